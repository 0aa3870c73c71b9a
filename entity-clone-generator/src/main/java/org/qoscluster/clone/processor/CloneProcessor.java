package org.qoscluster.clone.processor;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Messager;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.tools.Diagnostic;
import javax.tools.StandardLocation;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeName;

/**
 * The clone generator (M7): for each {@code @ReplicatedEntity} class {@code NAME}, writes
 * {@code NAMEReadOnly} (CEBR) and {@code NAMEReadWrite} (CEBRW) in the entity's package; see
 * {@link CloneWriter} for what they do. Refuses, with an error on the offending element: an
 * annotated element that is not a class, a class without {@code @Entity}, a final or nested
 * class, an entity without an id, a missing persistence unit, and a name the clones would take
 * that is already used.
 * <p>
 * It also writes, per master persistence unit {@code UNIT}, the mapping file
 * {@code META-INF/qos-replica-reads-UNIT.xml} (EclipseLink's extended {@code orm.xml}): it
 * declares the partitioning policy {@code ReplicaReads} of {@code entity-clone-eclipselink} and
 * puts every replicated entity of the unit under it. Listed in the unit
 * ({@code <mapping-file>}), it splits the reads of the application's own entity manager: reads
 * outside a transaction go to the unit's {@code replica} connection pool when the user may read
 * it. A unit that does not list it is not changed.
 * <p>
 * And, per master unit, {@code META-INF/qos-replicated-tables-UNIT.txt}: the tables of the unit's
 * replicated entities, one a line, sorted. {@code bin/qoscluster deploy} reads it from the WAR to
 * name the tables the cluster's {@code qos.replication.tables} lacks.
 */
@SupportedAnnotationTypes(CloneProcessor.ANNOTATION)
public final class CloneProcessor extends AbstractProcessor {

    static final String ANNOTATION = "org.qoscluster.clone.ReplicatedEntity";
    private static final String ENTITY = "jakarta.persistence.Entity";
    private static final String TABLE = "jakarta.persistence.Table";
    private static final String ID = "jakarta.persistence.Id";
    private static final String EMBEDDED_ID = "jakarta.persistence.EmbeddedId";
    private static final String ID_CLASS = "jakarta.persistence.IdClass";
    private static final String MAPPED_SUPERCLASS = "jakarta.persistence.MappedSuperclass";
    /** The policy the mapping files name (a class of {@code entity-clone-eclipselink}, not needed to compile). */
    static final String POLICY_CLASS = "org.qoscluster.clone.eclipselink.ReplicaReads";
    static final String POLICY_NAME = "qos-replica-reads";

    /** The replicated entities of each master unit, for its mapping file, written when processing ends. */
    private final Map<String, Set<String>> entitiesByUnit = new TreeMap<>();
    /** The tables of each master unit's replicated entities, for its tables file. */
    private final Map<String, Set<String>> tablesByUnit = new TreeMap<>();

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        TypeElement annotation = processingEnv.getElementUtils().getTypeElement(ANNOTATION);
        if (annotation == null) {
            return false;
        }
        for (Element e : round.getElementsAnnotatedWith(annotation)) {
            check(e).ifPresent(spec -> {
                write(spec);
                entitiesByUnit.computeIfAbsent(spec.unit(), u -> new TreeSet<>()).add(spec.entity().canonicalName());
                tablesByUnit.computeIfAbsent(spec.unit(), u -> new TreeSet<>()).add(spec.table());
            });
        }
        if (round.processingOver()) {
            entitiesByUnit.forEach(this::writeMappingFile);
            tablesByUnit.forEach(this::writeTablesFile);
        }
        return false; // other processors may see the annotation too
    }

    /** The name of the mapping file of master unit {@code unit}. */
    static String mappingFile(String unit) {
        return "META-INF/qos-replica-reads-" + unit + ".xml";
    }

    /** The name of the file listing the tables of master unit {@code unit}'s replicated entities. */
    static String tablesFile(String unit) {
        return "META-INF/qos-replicated-tables-" + unit + ".txt";
    }

    private void writeTablesFile(String unit, Set<String> tables) {
        try (Writer out = processingEnv.getFiler()
                .createResource(StandardLocation.CLASS_OUTPUT, "", tablesFile(unit)).openWriter()) {
            for (String table : tables) {
                out.write(table + "\n");
            }
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "cannot write " + tablesFile(unit) + ": " + e.getMessage());
        }
    }

    private void writeMappingFile(String unit, Set<String> entities) {
        StringBuilder xml = new StringBuilder()
                .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<!-- Generated by ").append(CloneProcessor.class.getName()).append(" from the @ReplicatedEntity classes of\n")
                .append("     unit ").append(unit).append(": list it in that unit (<mapping-file>) to send their reads outside\n")
                .append("     a transaction to the unit's 'replica' connection pool. -->\n")
                .append("<entity-mappings xmlns=\"http://www.eclipse.org/eclipselink/xsds/persistence/orm\" version=\"2.5\">\n")
                .append("  <partitioning name=\"").append(POLICY_NAME).append("\" class=\"").append(POLICY_CLASS).append("\"/>\n");
        for (String entity : entities) {
            xml.append("  <entity class=\"").append(entity).append("\">\n")
                    .append("    <partitioned>").append(POLICY_NAME).append("</partitioned>\n")
                    .append("  </entity>\n");
        }
        xml.append("</entity-mappings>\n");
        try (Writer out = processingEnv.getFiler()
                .createResource(StandardLocation.CLASS_OUTPUT, "", mappingFile(unit)).openWriter()) {
            out.write(xml.toString());
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "cannot write " + mappingFile(unit) + ": " + e.getMessage());
        }
    }

    /** The clone spec for {@code e}, or empty after reporting why there is none. */
    private Optional<CloneWriter.Spec> check(Element e) {
        Messager log = processingEnv.getMessager();
        AnnotationMirror mark = mirror(e, ANNOTATION).orElseThrow();
        if (e.getKind() != ElementKind.CLASS) {
            log.printMessage(Diagnostic.Kind.ERROR, "@ReplicatedEntity goes on a JPA entity class, not on "
                    + article(e.getKind()), e, mark);
            return Optional.empty();
        }
        TypeElement type = (TypeElement) e;
        String name = type.getSimpleName().toString();
        boolean ok = true;
        if (mirror(type, ENTITY).isEmpty()) {
            log.printMessage(Diagnostic.Kind.ERROR, name + " is not a JPA entity (no @Entity): only entities get clones", type, mark);
            ok = false;
        }
        if (type.getModifiers().contains(Modifier.FINAL)) {
            log.printMessage(Diagnostic.Kind.ERROR, name + " is final: JPA cannot manage a final entity class, nor can its clones", type);
            ok = false;
        }
        if (type.getNestingKind() != NestingKind.TOP_LEVEL) {
            log.printMessage(Diagnostic.Kind.ERROR, name + " is nested in another class: an entity with clones must be a top-level class", type);
            ok = false;
        }
        String unit = stringValue(mark, "unit").strip();
        if (unit.isEmpty()) {
            log.printMessage(Diagnostic.Kind.ERROR, "unit: name the master persistence unit of " + name, type, mark,
                    annotationValue(mark, "unit"));
            ok = false;
        }
        String replicaUnit = stringValue(mark, "replicaUnit").strip();
        if (replicaUnit.isEmpty()) {
            replicaUnit = unit + "-replica";
        } else if (replicaUnit.equals(unit)) {
            log.printMessage(Diagnostic.Kind.ERROR, "replicaUnit: \"" + replicaUnit + "\" is the master unit; reads would never leave the master",
                    type, mark, annotationValue(mark, "replicaUnit"));
            ok = false;
        }
        Optional<TypeMirror> id = idType(type);
        if (id.isEmpty()) {
            log.printMessage(Diagnostic.Kind.ERROR, name + " has no @Id or @EmbeddedId (nor @IdClass): the clones find rows by id", type);
            ok = false;
        }
        String pkg = processingEnv.getElementUtils().getPackageOf(type).getQualifiedName().toString();
        for (String clone : List.of(name + CloneWriter.READ_ONLY, name + CloneWriter.READ_WRITE)) {
            TypeElement existing = processingEnv.getElementUtils().getTypeElement(pkg.isEmpty() ? clone : pkg + "." + clone);
            if (existing != null && !generatedByUs(existing)) {
                log.printMessage(Diagnostic.Kind.ERROR, "the clone " + clone + " of " + name + " would clash with the class "
                        + existing.getQualifiedName() + "; rename that class", type);
                ok = false;
            }
        }
        if (!ok) {
            return Optional.empty();
        }
        TypeName idType = TypeName.get(id.get()).box();
        return Optional.of(new CloneWriter.Spec(ClassName.get(type), idType, unit, replicaUnit, table(type)));
    }

    private void write(CloneWriter.Spec spec) {
        for (JavaFile file : CloneWriter.files(spec)) {
            try {
                file.writeTo(processingEnv.getFiler());
            } catch (IOException e) {
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                        "cannot write " + file.packageName() + "." + file.typeSpec().name() + ": " + e.getMessage());
            }
        }
    }

    /** The id's type: the {@code @IdClass}, else the type of the {@code @Id}/{@code @EmbeddedId} field or getter. */
    private Optional<TypeMirror> idType(TypeElement type) {
        for (TypeElement t = type; t != null; t = superclass(t)) {
            Optional<AnnotationMirror> idClass = mirror(t, ID_CLASS);
            if (idClass.isPresent()) {
                AnnotationValue value = annotationValue(idClass.get(), "value");
                return value == null ? Optional.empty() : Optional.of((TypeMirror) value.getValue());
            }
            List<TypeMirror> ids = new ArrayList<>();
            for (Element member : t.getEnclosedElements()) {
                if (mirror(member, ID).isPresent() || mirror(member, EMBEDDED_ID).isPresent()) {
                    ids.add(member.getKind() == ElementKind.METHOD ? ((ExecutableElement) member).getReturnType() : member.asType());
                }
            }
            if (ids.size() == 1) {
                return Optional.of(ids.get(0));
            }
            if (ids.size() > 1) {
                return Optional.empty(); // several @Id without @IdClass: JPA refuses it too
            }
        }
        return Optional.empty();
    }

    /** The superclass if it is an entity or mapped superclass (where ids may be declared). */
    private TypeElement superclass(TypeElement t) {
        TypeMirror s = t.getSuperclass();
        if (s.getKind() != TypeKind.DECLARED) {
            return null;
        }
        TypeElement sup = (TypeElement) ((DeclaredType) s).asElement();
        return mirror(sup, ENTITY).isPresent() || mirror(sup, MAPPED_SUPERCLASS).isPresent() ? sup : null;
    }

    /** The entity's table as Derby names it: {@code @Table(name)}, else the entity name, upper case unless quoted. */
    private String table(TypeElement type) {
        String name = mirror(type, TABLE).map(m -> stringValue(m, "name")).filter(n -> !n.isBlank())
                .or(() -> mirror(type, ENTITY).map(m -> stringValue(m, "name")).filter(n -> !n.isBlank()))
                .orElse(type.getSimpleName().toString());
        return name.startsWith("\"") && name.endsWith("\"") && name.length() > 1
                ? name.substring(1, name.length() - 1) : name.toUpperCase(Locale.ROOT);
    }

    /** A clone written by an earlier run (sources kept between builds) is not a clash. */
    private static boolean generatedByUs(TypeElement e) {
        return mirror(e, "javax.annotation.processing.Generated")
                .map(m -> m.getElementValues().values().stream().anyMatch(v -> v.toString().contains(CloneProcessor.class.getName())))
                .orElse(false);
    }

    private static Optional<AnnotationMirror> mirror(Element e, String annotation) {
        for (AnnotationMirror m : e.getAnnotationMirrors()) {
            if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(annotation)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The value of element {@code name}, or null when the annotation lacks it (javac reports that itself). */
    private AnnotationValue annotationValue(AnnotationMirror m, String name) {
        return processingEnv.getElementUtils().getElementValuesWithDefaults(m).entrySet().stream()
                .filter(en -> en.getKey().getSimpleName().contentEquals(name))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
    }

    private String stringValue(AnnotationMirror m, String name) {
        AnnotationValue v = annotationValue(m, name);
        return v == null ? "" : String.valueOf(v.getValue());
    }

    private static String article(ElementKind kind) {
        String k = kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return ("aeiou".indexOf(k.charAt(0)) >= 0 ? "an " : "a ") + k;
    }
}
