/**
 * The {@code spoolkv.*} settings: one validated, immutable record per group.
 *
 * <p>A record component's {@code @param} Javadoc is its setting's description: the build's configuration
 * processor copies it into {@code META-INF/spring-configuration-metadata.json}, and the operators' reference
 * {@code docs/configuration.md} is generated from that file (regenerate it with
 * {@code ./mvnw -B -q test -Dtest=ConfigurationReferenceTest -Dregenerate=true}). Write it for operators.
 */
package io.spoolkv.config;
