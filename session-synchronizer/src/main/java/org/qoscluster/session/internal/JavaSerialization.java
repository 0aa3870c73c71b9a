package org.qoscluster.session.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * Session attribute values to bytes and back, with the application's class loader. Writing
 * checks every class it writes against the same filter that reading applies
 * ({@code qos.serialization.allow}): a value a node could not read back is refused when it is
 * stored, naming the attribute and the class, instead of vanishing on the next request.
 */
final class JavaSerialization {

    private JavaSerialization() {
    }

    /**
     * The value's bytes; a {@link SessionStoreException} names the attribute when it cannot be
     * serialized or holds a class {@code filter} refuses.
     */
    static byte[] serialize(String name, Object value, ObjectInputFilter filter) {
        return serialize(name, value, filter, 0);
    }

    /**
     * As {@link #serialize(String, Object, ObjectInputFilter)}, for a value that was
     * {@code expectedBytes} long when last serialized: the buffer starts that large, and a value
     * of that length again is returned without another copy.
     */
    static byte[] serialize(String name, Object value, ObjectInputFilter filter, int expectedBytes) {
        if (value instanceof byte[] array) {
            if (refuses(filter, byte[].class)) {
                throw new SessionStoreException(refusal(name, value, byte[].class));
            }
            return ByteArrays.serialize(array);
        }
        Buffer bytes = new Buffer(Math.max(256, expectedBytes));
        try (ObjectOutputStream out = new CheckedOutputStream(bytes, filter)) {
            out.writeObject(value);
        } catch (RefusedClassException e) {
            throw new SessionStoreException(refusal(name, value, e.refused), e);
        } catch (IOException e) {
            throw new SessionStoreException("session attribute '" + name + "' (" + value.getClass().getName()
                    + ") cannot be stored in the cluster: " + e, e);
        }
        return bytes.bytes();
    }

    /** A byte array stream whose bytes are taken without a copy when they fill it exactly. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }

    /**
     * Whether {@code filter} refuses {@code type} itself (what the application put in the session,
     * not what it holds, which {@link #serialize} checks).
     */
    static boolean refuses(ObjectInputFilter filter, Class<?> type) {
        return filter.checkInput(new ClassOnly(type)) == ObjectInputFilter.Status.REJECTED;
    }

    /** Why an attribute holding {@code refused} is not stored, and what to do. */
    static String refusal(String name, Object value, Class<?> refused) {
        return "session attribute '" + name + "' (" + value.getClass().getName() + ") cannot be stored in the cluster: class "
                + refused.getName() + " is not allowed in sessions; every node would drop the attribute when reading it"
                + " back. Add its package to qos.serialization.allow (java.* is always allowed)";
    }

    /**
     * The value the bytes stand for; the bytes come from the cluster, so only classes {@code filter}
     * admits are made ({@link java.io.InvalidClassException} otherwise).
     */
    static Object deserialize(byte[] value, ClassLoader loader, ObjectInputFilter filter) throws IOException, ClassNotFoundException {
        int length = ByteArrays.length(value);
        if (length >= 0) {
            if (filter.checkInput(new ClassOnly(byte[].class, length, value.length)) == ObjectInputFilter.Status.REJECTED) {
                throw notAllowed(byte[].class);
            }
            return ByteArrays.deserialize(value, length);
        }
        Class<?>[] refused = new Class<?>[1];
        ObjectInputFilter naming = info -> {
            ObjectInputFilter.Status status = filter.checkInput(info);
            if (status == ObjectInputFilter.Status.REJECTED && refused[0] == null) {
                refused[0] = info.serialClass();
            }
            return status;
        };
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(value), loader)) {
            in.setObjectInputFilter(naming);
            return in.readObject();
        } catch (java.io.InvalidClassException e) {
            if (refused[0] == null) {
                throw e;
            }
            // The JDK's message says only "filter status: REJECTED": name the class.
            java.io.InvalidClassException named = notAllowed(refused[0]);
            named.initCause(e);
            throw named;
        }
    }

    /** What reading a value that holds {@code refused}, a class the session filter refuses, throws. */
    private static java.io.InvalidClassException notAllowed(Class<?> refused) {
        return new java.io.InvalidClassException(refused.getName(),
                "not allowed in sessions (filter status: REJECTED; qos.serialization.allow does not admit it)");
    }

    /** An object stream that refuses, before writing it, a class {@code filter} would refuse on reading. */
    private static final class CheckedOutputStream extends ObjectOutputStream {
        private final ObjectInputFilter filter;

        CheckedOutputStream(java.io.OutputStream out, ObjectInputFilter filter) throws IOException {
            super(out);
            this.filter = filter;
        }

        @Override
        protected void annotateClass(Class<?> cl) throws IOException {
            check(cl);
        }

        @Override
        protected void annotateProxyClass(Class<?> cl) throws IOException {
            check(cl);
            for (Class<?> i : cl.getInterfaces()) {
                check(i);
            }
        }

        private void check(Class<?> cl) throws RefusedClassException {
            if (refuses(filter, cl)) {
                throw new RefusedClassException(cl);
            }
        }
    }

    /** A class the session filter refuses, met while writing. */
    private static final class RefusedClassException extends java.io.NotSerializableException {
        private static final long serialVersionUID = 1L;
        private final transient Class<?> refused;

        RefusedClassException(Class<?> refused) {
            super(refused.getName());
            this.refused = refused;
        }
    }

    /** What a filter is asked about one class, as a stream that read nothing else would ask. */
    private record ClassOnly(Class<?> serialClass, long arrayLength, long streamBytes) implements ObjectInputFilter.FilterInfo {
        ClassOnly(Class<?> serialClass) {
            this(serialClass, -1, 0);
        }

        @Override
        public long depth() {
            return 1;
        }

        @Override
        public long references() {
            return 1;
        }

    }

    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
