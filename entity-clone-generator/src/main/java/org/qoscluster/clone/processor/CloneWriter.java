package org.qoscluster.clone.processor;

import java.util.List;
import java.util.function.Function;

import javax.lang.model.element.Modifier;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.TypeVariableName;

/**
 * Writes the two clones of one entity (JavaPoet): plain CDI beans, one public method per data
 * operation, no reflection.
 * <ul>
 * <li>{@code NAMEReadOnly} (CEBR): {@code find} and {@code read(work)} on the replica
 * persistence unit, outside any transaction; nothing else.</li>
 * <li>{@code NAMEReadWrite} (CEBRW): the same reads, sent to the read-only clone when
 * {@code ReadRouting.current().replicaMayServe()} (falling back to the master if the replica
 * fails), else to the master unit; {@code persist},
 * {@code merge} and {@code remove} on the master in the caller's transaction (or a new one),
 * each followed by a flush and a look-up of the transaction's change sequence in the entity's
 * change table ({@code WriteSequence}, on the transaction's connection), reported with
 * {@code ReadRouting.wrote}.</li>
 * </ul>
 */
final class CloneWriter {

    static final String READ_ONLY = "ReadOnly";
    static final String READ_WRITE = "ReadWrite";

    private static final ClassName ENTITY_MANAGER = ClassName.get("jakarta.persistence", "EntityManager");
    private static final ClassName PERSISTENCE_CONTEXT = ClassName.get("jakarta.persistence", "PersistenceContext");
    private static final ClassName PERSISTENCE_EXCEPTION = ClassName.get("jakarta.persistence", "PersistenceException");
    private static final ClassName TX_TYPE = ClassName.get("jakarta.transaction", "Transactional", "TxType");
    private static final ClassName APPLICATION_SCOPED = ClassName.get("jakarta.enterprise.context", "ApplicationScoped");
    private static final ClassName INJECT = ClassName.get("jakarta.inject", "Inject");
    private static final ClassName TRANSACTIONAL = ClassName.get("jakarta.transaction", "Transactional");
    private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    private static final ClassName READ_ROUTING = ClassName.get("org.qoscluster.clone", "ReadRouting");
    private static final ClassName WRITE_SEQUENCE = ClassName.get("org.qoscluster.clone", "WriteSequence");
    private static final ClassName CONNECTION = ClassName.get("java.sql", "Connection");
    private static final TypeVariableName T = TypeVariableName.get("T");

    /**
     * One entity's clones: its class, the boxed type of its id, the master and replica
     * persistence units, and its table's name (the change table is {@code QOS_CHG_} + it).
     */
    record Spec(ClassName entity, TypeName id, String unit, String replicaUnit, String table) {

        ClassName readOnly() {
            return entity.peerClass(entity.simpleName() + READ_ONLY);
        }

        ClassName readWrite() {
            return entity.peerClass(entity.simpleName() + READ_WRITE);
        }
    }

    private CloneWriter() {
    }

    static List<JavaFile> files(Spec spec) {
        return List.of(file(spec, readOnly(spec)), file(spec, readWrite(spec)));
    }

    private static JavaFile file(Spec spec, TypeSpec type) {
        return JavaFile.builder(spec.entity().packageName(), type).skipJavaLangImports(true).indent("    ").build();
    }

    private static TypeSpec readOnly(Spec spec) {
        return TypeSpec.classBuilder(spec.readOnly())
                .addJavadoc("Read-only clone of {@link $T} (CEBR): reads it from a replica, through the persistence\n"
                        + "unit {@code $L}, outside any transaction (the caller's is suspended: a replica never\n"
                        + "joins a transaction of the master, and a failed read cannot doom it). Never writes.\n"
                        + "Generated from {@code @ReplicatedEntity} on $T.\n", spec.entity(), spec.replicaUnit(), spec.entity())
                .addAnnotation(generated())
                .addAnnotation(APPLICATION_SCOPED)
                .addAnnotation(AnnotationSpec.builder(TRANSACTIONAL).addMember("value", "$T.NOT_SUPPORTED", TX_TYPE).build())
                .addModifiers(Modifier.PUBLIC)
                .addField(entityManager("replica", spec.replicaUnit()))
                .addMethod(MethodSpec.methodBuilder("find")
                        .addJavadoc("The $T with this id as the replica has it, or null.\n", spec.entity())
                        .addModifiers(Modifier.PUBLIC).returns(spec.entity())
                        .addParameter(spec.id(), "id")
                        .addStatement("return replica.find($T.class, id)", spec.entity())
                        .build())
                .addMethod(MethodSpec.methodBuilder("read")
                        .addJavadoc("Runs {@code work} (queries, finds) on the replica and returns what it returns.\n")
                        .addModifiers(Modifier.PUBLIC).addTypeVariable(T).returns(T)
                        .addParameter(work(), "work")
                        .addStatement("return work.apply(replica)")
                        .build())
                .build();
    }

    private static TypeSpec readWrite(Spec spec) {
        ClassName entity = spec.entity();
        return TypeSpec.classBuilder(spec.readWrite())
                .addJavadoc("Read-write clone of {@link $T} (CEBRW): the application's way to its data. Reads go to\n"
                        + "{@link $T} (a replica) when {@link $T} allows it, that is when the current user has no\n"
                        + "write the replica lacks, and to the master (persistence unit {@code $L}) otherwise or\n"
                        + "when the replica fails; writes go to the master, and their change sequence is reported so\n"
                        + "that the user reads their own writes afterwards. Generated from {@code @ReplicatedEntity}\n"
                        + "on $T.\n", entity, spec.readOnly(), READ_ROUTING, spec.unit(), entity)
                .addAnnotation(generated())
                .addAnnotation(APPLICATION_SCOPED)
                .addModifiers(Modifier.PUBLIC)
                .addField(FieldSpec.builder(String.class, "CHANGE_TABLE", Modifier.STATIC, Modifier.FINAL)
                        .addJavadoc("Where the master's capture records $L's changes.\n", spec.table())
                        .initializer("$S", "QOS_CHG_" + spec.table())
                        .build())
                .addField(entityManager("master", spec.unit()))
                .addField(FieldSpec.builder(spec.readOnly(), "readOnly", Modifier.PRIVATE).addAnnotation(INJECT).build())
                .addMethod(MethodSpec.methodBuilder("find")
                        .addJavadoc("The $T with this id, or null: from the replica when the user may read it there.\n", entity)
                        .addModifiers(Modifier.PUBLIC).returns(entity)
                        .addParameter(spec.id(), "id")
                        .addStatement("return read(em -> em.find($T.class, id))", entity)
                        .build())
                .addMethod(MethodSpec.methodBuilder("read")
                        .addJavadoc("Runs {@code work} on the replica when the user may read it there, else (or if the\n"
                                + "replica fails) on the master, and returns what it returns.\n")
                        .addModifiers(Modifier.PUBLIC).addTypeVariable(T).returns(T)
                        .addParameter(work(), "work")
                        .addStatement("$T routing = $T.current()", READ_ROUTING, READ_ROUTING)
                        .beginControlFlow("if (routing.replicaMayServe())")
                        .beginControlFlow("try")
                        .addStatement("return readOnly.read(work)")
                        .nextControlFlow("catch ($T e)", PERSISTENCE_EXCEPTION)
                        .addStatement("routing.replicaFailed(e)")
                        .endControlFlow()
                        .endControlFlow()
                        .addStatement("return work.apply(master)")
                        .build())
                .addMethod(write("persist", entity, TypeName.VOID, "Makes {@code entity} persistent on the master.\n")
                        .addStatement("master.persist(entity)")
                        .addStatement("wrote()")
                        .build())
                .addMethod(write("merge", entity, entity, "Merges {@code entity} into the master; returns the managed copy.\n")
                        .addStatement("$T merged = master.merge(entity)", entity)
                        .addStatement("wrote()")
                        .addStatement("return merged")
                        .build())
                .addMethod(write("remove", entity, TypeName.VOID, "Removes {@code entity} from the master.\n")
                        .addStatement("master.remove(master.contains(entity) ? entity : master.merge(entity))")
                        .addStatement("wrote()")
                        .build())
                .addMethod(MethodSpec.methodBuilder("wrote")
                        .addJavadoc("Flushes (the capture triggers fire) and reports the transaction's change sequence.\n")
                        .addModifiers(Modifier.PRIVATE)
                        .addStatement("master.flush()")
                        .addStatement("$T.of(master.unwrap($T.class), CHANGE_TABLE).ifPresent($T.current()::wrote)",
                                WRITE_SEQUENCE, CONNECTION, READ_ROUTING)
                        .build())
                .build();
    }

    private static MethodSpec.Builder write(String name, ClassName entity, TypeName returns, String doc) {
        return MethodSpec.methodBuilder(name).addJavadoc(doc).addAnnotation(TRANSACTIONAL)
                .addModifiers(Modifier.PUBLIC).returns(returns).addParameter(entity, "entity");
    }

    private static FieldSpec entityManager(String name, String unit) {
        return FieldSpec.builder(ENTITY_MANAGER, name, Modifier.PRIVATE)
                .addAnnotation(AnnotationSpec.builder(PERSISTENCE_CONTEXT).addMember("unitName", "$S", unit).build())
                .build();
    }

    private static AnnotationSpec generated() {
        return AnnotationSpec.builder(GENERATED).addMember("value", "$S", CloneProcessor.class.getName()).build();
    }

    /** {@code Function<EntityManager, T>}. */
    private static TypeName work() {
        return ParameterizedTypeName.get(ClassName.get(Function.class), ENTITY_MANAGER, T);
    }
}
