package org.qoscluster.session.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/** Session attribute values to bytes and back, with the application's class loader. */
final class JavaSerialization {

    private JavaSerialization() {
    }

    /** The value's bytes; a {@link SessionStoreException} names the attribute when it cannot be serialized. */
    static byte[] serialize(String name, Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new SessionStoreException("session attribute '" + name + "' (" + value.getClass().getName()
                    + ") cannot be stored in the cluster: " + e, e);
        }
        return bytes.toByteArray();
    }

    /**
     * The value the bytes stand for; the bytes come from the cluster, so only classes {@code filter}
     * admits are made ({@link java.io.InvalidClassException} otherwise).
     */
    static Object deserialize(byte[] value, ClassLoader loader, ObjectInputFilter filter) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(value), loader)) {
            in.setObjectInputFilter(filter);
            return in.readObject();
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
