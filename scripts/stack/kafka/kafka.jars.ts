import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { runCommand } from '../process/process.control';

export interface KafkaJars {
  classpath: string;
  /** True when Maven ran this time (first run, or pom.xml changed since). */
  resolved: boolean;
}

function readClasspath(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const classpath = readFileSync(file, 'utf8').trim();
  const jars = classpath.split(':').filter((jar) => jar.length > 0);
  // A cleaned ~/.m2 leaves a classpath that names jars no longer there.
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return classpath;
}

/**
 * The broker's runtime classpath, resolved by Maven from deploy/kafka/pom.xml into .kafka/cp.txt.
 * The file is reused until the pom changes, so only the first run pays for Maven (~20 s).
 */
export async function ensureKafkaJars(pomFile: string, classpathFile: string): Promise<KafkaJars> {
  const fresh = existsSync(classpathFile) && statSync(classpathFile).mtimeMs >= statSync(pomFile).mtimeMs;
  const cached = fresh ? readClasspath(classpathFile) : undefined;
  if (cached !== undefined) return { classpath: cached, resolved: false };

  mkdirSync(dirname(classpathFile), { recursive: true });
  const result = await runCommand('mvn', [
    '-q',
    '-B',
    '-f',
    pomFile,
    'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath',
    '-DincludeScope=runtime',
    `-Dmdep.outputFile=${classpathFile}`,
  ]).catch((error: Error) => {
    throw new Error(`could not run Maven (is it installed and on PATH?): ${error.message}`);
  });
  const classpath = result.code === 0 ? readClasspath(classpathFile) : undefined;
  if (classpath === undefined) {
    throw new Error(`Maven could not resolve the Kafka jars from ${pomFile} (exit ${result.code}):\n${result.output.slice(-4000)}`);
  }
  return { classpath, resolved: true };
}
