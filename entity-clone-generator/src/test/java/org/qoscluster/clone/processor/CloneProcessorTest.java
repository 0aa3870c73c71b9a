package org.qoscluster.clone.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compile tests: real javac runs with the processor on small entities; what a developer would
 * see is checked, the errors on the offending line and the generated clones compiling without a
 * single warning under {@code -Xlint:all}.
 */
class CloneProcessorTest {

    @TempDir
    Path out;

    private static final String HEADER = "package shop;\n"
            + "import jakarta.persistence.*;\n"
            + "import org.qoscluster.clone.ReplicatedEntity;\n";

    /** The diagnostics of a compilation, and what it generated. */
    private record Result(List<Diagnostic<? extends JavaFileObject>> diagnostics, Path generated) {

        List<Diagnostic<? extends JavaFileObject>> of(Diagnostic.Kind kind) {
            return diagnostics.stream().filter(d -> d.getKind() == kind).toList();
        }

        String source(String name) {
            try {
                return Files.readString(generated.resolve("shop").resolve(name + ".java"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean wrote(String name) {
            return Files.exists(generated.resolve("shop").resolve(name + ".java"));
        }

        String describe() {
            return diagnostics.stream().map(d -> d.getKind() + " line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                    .reduce("", (a, b) -> a + "\n" + b);
        }
    }

    private Result compile(Map<String, String> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Path classes = Files.createDirectories(out.resolve("classes"));
        Path generated = Files.createDirectories(out.resolve("generated"));
        List<JavaFileObject> units = new ArrayList<>();
        sources.forEach((name, text) -> units.add(new SimpleJavaFileObject(URI.create("string:///shop/" + name + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        }));
        List<String> options = List.of("-Xlint:all", "-Xlint:-processing", "-d", classes.toString(), "-s", generated.toString(),
                "-classpath", System.getProperty("java.class.path"), "--release", "17");
        JavaCompiler.CompilationTask task = javac.getTask(null, null, diagnostics, options, null, units);
        task.setProcessors(List.of(new CloneProcessor()));
        task.call();
        return new Result(diagnostics.getDiagnostics(), generated);
    }

    private Result compile(String name, String body) throws IOException {
        return compile(Map.of(name, HEADER + body));
    }

    /** Exactly one error, on {@code line} (counted in the source as given), saying {@code text}. */
    private static void assertOneError(Result r, long line, String text) {
        List<Diagnostic<? extends JavaFileObject>> errors = r.of(Diagnostic.Kind.ERROR);
        assertEquals(1, errors.size(), r.describe());
        assertTrue(errors.get(0).getMessage(Locale.ROOT).contains(text), r.describe());
        assertEquals(line, errors.get(0).getLineNumber(), r.describe());
        assertFalse(r.wrote("ProductReadWrite") || r.wrote("ThingReadWrite"), "no clone for a refused class");
    }

    @Test
    void shouldWriteBothClonesThatCompileWithoutAnyWarning() throws IOException {
        Result r = compile("Product", "@Entity @Table(name = \"PRODUCT\") @ReplicatedEntity(unit = \"store\")\n"
                + "public class Product {\n"
                + "    @Id private Long id;\n"
                + "    private String name;\n"
                + "    protected Product() { }\n"
                + "}\n");
        assertEquals(List.of(), r.diagnostics().stream().filter(d -> d.getKind() != Diagnostic.Kind.NOTE).toList(), r.describe());
        String ro = r.source("ProductReadOnly");
        assertTrue(ro.contains("unitName = \"store-replica\""), ro);
        assertTrue(ro.contains("public Product find(Long id)"), ro);
        assertFalse(ro.contains(" persist(") || ro.contains(" merge(") || ro.contains(" remove("), "the read-only clone has no write: " + ro);
        String rw = r.source("ProductReadWrite");
        assertTrue(rw.contains("unitName = \"store\""), rw);
        assertTrue(rw.contains("CHANGE_TABLE = \"QOS_CHG_PRODUCT\""), rw);
        assertTrue(rw.contains("WriteSequence.of(master.unwrap(Connection.class), CHANGE_TABLE).ifPresent(ReadRouting.current()::wrote);"), rw);
        assertTrue(rw.contains("return read(em -> em.find(Product.class, id));"), rw);
        assertTrue(rw.contains("if (routing.replicaMayServe()) {\n            try {\n                return readOnly.read(work);\n"
                + "            } catch (PersistenceException e) {\n                routing.replicaFailed(e);"), rw);
        assertTrue(rw.contains("return work.apply(master);"), rw);
        assertTrue(ro.contains("@Transactional(Transactional.TxType.NOT_SUPPORTED)"), "replica reads leave the caller's transaction: " + ro);
        for (String write : List.of("public void persist(Product entity)", "public Product merge(Product entity)",
                "public void remove(Product entity)")) {
            assertTrue(rw.contains(write), write + " in " + rw);
        }
        assertTrue(rw.contains("@Generated(\"org.qoscluster.clone.processor.CloneProcessor\")"), rw);
        assertTrue(Files.exists(out.resolve("classes/shop/ProductReadWrite.class")), "the clones compiled");
    }

    @Test
    void shouldWriteOneMappingFilePerUnitThatPutsItsEntitiesUnderTheReplicaReadPolicy() throws Exception {
        Result r = compile(Map.of(
                "Product", HEADER + "@Entity @ReplicatedEntity(unit = \"store\") public class Product { @Id Long id; }\n",
                "Customer", HEADER + "@Entity @ReplicatedEntity(unit = \"store\") public class Customer { @Id Long id; }\n",
                "Ledger", HEADER + "@Entity @ReplicatedEntity(unit = \"books\") public class Ledger { @Id Long id; }\n"));
        assertEquals(List.of(), r.of(Diagnostic.Kind.ERROR), r.describe());
        org.w3c.dom.Document store = xml(out.resolve("classes").resolve(CloneProcessor.mappingFile("store")));
        assertEquals("http://www.eclipse.org/eclipselink/xsds/persistence/orm", store.getDocumentElement().getNamespaceURI());
        org.w3c.dom.Element policy = (org.w3c.dom.Element) store.getElementsByTagName("partitioning").item(0);
        assertEquals("qos-replica-reads", policy.getAttribute("name"));
        assertEquals("org.qoscluster.clone.eclipselink.ReplicaReads", policy.getAttribute("class"));
        List<String> entities = new ArrayList<>();
        org.w3c.dom.NodeList list = store.getElementsByTagName("entity");
        for (int i = 0; i < list.getLength(); i++) {
            org.w3c.dom.Element e = (org.w3c.dom.Element) list.item(i);
            entities.add(e.getAttribute("class") + " " + e.getElementsByTagName("partitioned").item(0).getTextContent());
        }
        assertEquals(List.of("shop.Customer qos-replica-reads", "shop.Product qos-replica-reads"), entities);
        org.w3c.dom.Document books = xml(out.resolve("classes").resolve(CloneProcessor.mappingFile("books")));
        assertEquals(1, books.getElementsByTagName("entity").getLength(), "each unit lists its own entities");
    }

    @Test
    void shouldListEachUnitsReplicatedTablesAsTheDatabaseNamesThem() throws Exception {
        Result r = compile(Map.of(
                "Product", HEADER + "@Entity @ReplicatedEntity(unit = \"store\") public class Product { @Id Long id; }\n",
                "Entry", HEADER + "@Entity @jakarta.persistence.Table(name = \"ledger_entry\") @ReplicatedEntity(unit = \"store\")"
                        + " public class Entry { @Id Long id; }\n",
                "Ledger", HEADER + "@Entity(name = \"Book\") @ReplicatedEntity(unit = \"books\") public class Ledger { @Id Long id; }\n"));
        assertEquals(List.of(), r.of(Diagnostic.Kind.ERROR), r.describe());
        assertEquals(List.of("LEDGER_ENTRY", "PRODUCT"), Files.readAllLines(out.resolve("classes").resolve(CloneProcessor.tablesFile("store"))));
        assertEquals(List.of("BOOK"), Files.readAllLines(out.resolve("classes").resolve(CloneProcessor.tablesFile("books"))));
    }

    private static org.w3c.dom.Document xml(Path file) throws Exception {
        javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    @Test
    void shouldTakeTheIdFromAnIdClassAnEmbeddedIdAMappedSuperclassAndBoxAPrimitive() throws IOException {
        Result r = compile(Map.of(
                "Base", HEADER + "@MappedSuperclass public abstract class Base { @Id protected long id; }\n",
                "Item", HEADER + "@Entity @ReplicatedEntity(unit = \"store\", replicaUnit = \"reads\") public class Item extends Base { }\n",
                "LineKey", HEADER + "public class LineKey implements java.io.Serializable {\n"
                        + "    private static final long serialVersionUID = 1L;\n    long order; int line;\n"
                        + "    @Override public boolean equals(Object o) { return o instanceof LineKey k && k.order == order && k.line == line; }\n"
                        + "    @Override public int hashCode() { return Long.hashCode(order) * 31 + line; }\n}\n",
                "Line", HEADER + "@Entity @IdClass(LineKey.class) @ReplicatedEntity(unit = \"store\")\n"
                        + "public class Line { @Id long order; @Id int line; }\n",
                "NoteKey", HEADER + "@Embeddable public class NoteKey implements java.io.Serializable {\n"
                        + "    private static final long serialVersionUID = 1L; String a;\n"
                        + "    @Override public boolean equals(Object o) { return o instanceof NoteKey k && java.util.Objects.equals(a, k.a); }\n"
                        + "    @Override public int hashCode() { return java.util.Objects.hashCode(a); }\n}\n",
                "Note", HEADER + "@Entity(name = \"Memo\") @ReplicatedEntity(unit = \"store\") public class Note { @EmbeddedId NoteKey key; }\n"));
        assertEquals(List.of(), r.of(Diagnostic.Kind.ERROR), r.describe());
        assertEquals(List.of(), r.of(Diagnostic.Kind.WARNING), r.describe());
        assertTrue(r.source("ItemReadOnly").contains("public Item find(Long id)"), r.source("ItemReadOnly"));
        assertTrue(r.source("ItemReadOnly").contains("\"reads\""), r.source("ItemReadOnly"));
        assertTrue(r.source("LineReadWrite").contains("public Line find(LineKey id)"), r.source("LineReadWrite"));
        assertTrue(r.source("NoteReadWrite").contains("public Note find(NoteKey id)"), r.source("NoteReadWrite"));
        assertTrue(r.source("NoteReadWrite").contains("QOS_CHG_MEMO"), "the entity name is the table's: " + r.source("NoteReadWrite"));
    }

    @Test
    void shouldRefuseAnInterface() throws IOException {
        assertOneError(compile("Thing", "@ReplicatedEntity(unit = \"store\")\npublic interface Thing { }\n"),
                4, "@ReplicatedEntity goes on a JPA entity class, not on an interface");
    }

    @Test
    void shouldRefuseAClassThatIsNotAnEntity() throws IOException {
        assertOneError(compile("Thing", "@ReplicatedEntity(unit = \"store\")\npublic class Thing { @Id Long id; }\n"),
                4, "Thing is not a JPA entity (no @Entity)");
    }

    @Test
    void shouldRefuseAFinalEntity() throws IOException {
        assertOneError(compile("Thing", "@Entity @ReplicatedEntity(unit = \"store\")\npublic final class Thing { @Id Long id; }\n"),
                5, "Thing is final");
    }

    @Test
    void shouldRefuseANestedEntity() throws IOException {
        assertOneError(compile("Outer", "public class Outer {\n"
                        + "    @Entity @ReplicatedEntity(unit = \"store\")\n    public static class Thing { @Id Long id; }\n}\n"),
                6, "Thing is nested in another class");
    }

    @Test
    void shouldRefuseAnEntityWithoutAnId() throws IOException {
        assertOneError(compile("Thing", "@Entity @ReplicatedEntity(unit = \"store\")\npublic class Thing { Long id; }\n"),
                5, "Thing has no @Id or @EmbeddedId");
    }

    @Test
    void shouldRefuseABlankUnitAndAReplicaUnitThatIsTheMaster() throws IOException {
        assertOneError(compile("Thing", "@Entity @ReplicatedEntity(unit = \" \")\npublic class Thing { @Id Long id; }\n"),
                4, "unit: name the master persistence unit of Thing");
        assertOneError(compile("Thing", "@Entity @ReplicatedEntity(unit = \"store\", replicaUnit = \"store\")\n"
                + "public class Thing { @Id Long id; }\n"), 4, "replicaUnit: \"store\" is the master unit");
    }

    @Test
    void shouldRefuseANameTheClonesWouldTake() throws IOException {
        Result r = compile(Map.of(
                "Product", HEADER + "@Entity @ReplicatedEntity(unit = \"store\")\npublic class Product { @Id Long id; }\n",
                "ProductReadWrite", HEADER + "public class ProductReadWrite { }\n"));
        assertOneError(r, 5, "the clone ProductReadWrite of Product would clash with the class shop.ProductReadWrite");
    }

    @Test
    void shouldBeRegisteredForTheAnnotationProcessorPath() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("src/main/resources/META-INF/services/javax.annotation.processing.Processor"))) {
            assertEquals(List.of(CloneProcessor.class.getName()), lines.map(String::strip).filter(l -> !l.isEmpty()).toList());
        }
    }
}
