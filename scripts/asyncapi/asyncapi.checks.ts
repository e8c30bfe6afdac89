import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type MessageInterface } from '@asyncapi/parser';
import { REQUIRED } from './asyncapi.builder';

// Spectral's diagnostics carry their severity as the enum of another copy of @stoplight/types: compared as numbers.
const isError = (severity: number): boolean => severity === (DiagnosticSeverity.Error as number);

/** What the parser found wrong, then what the document fails to name; empty when it is complete. */
export async function checkAsyncApi(text: string, source: string): Promise<string[]> {
  const { document, diagnostics } = await new Parser().parse(text, { source });
  const errors = diagnostics.filter((diagnostic) => isError(diagnostic.severity));
  const problems = errors.map((diagnostic) => `parser: ${diagnostic.message} at ${diagnostic.path.join('.') || '(root)'}`);
  if (document === undefined) return problems.length > 0 ? problems : ['parser: no document'];
  return [...problems, ...missingNames(document)];
}

function headerNames(message: MessageInterface): { names: string[]; required: string[] } {
  const headers = message.headers();
  return { names: Object.keys(headers?.properties() ?? {}), required: headers?.required() ?? [] };
}

/** Every topic, key, header and payload schema the contracts define, held against the parsed document. */
export function missingNames(document: AsyncAPIDocumentInterface): string[] {
  const problems: string[] = [];
  const channels = document.channels().all();
  const payloadIds = new Set<string>();
  for (const topic of REQUIRED.topics) {
    const channel = channels.find((candidate) => candidate.address() === topic);
    if (channel === undefined) {
      problems.push(`topic ${topic}: no channel`);
      continue;
    }
    if (channel.bindings().get('kafka')?.value<{ topic?: string }>().topic !== topic) problems.push(`topic ${topic}: no kafka channel binding naming it`);
    const messages = channel.messages().all();
    if (messages.length === 0) problems.push(`topic ${topic}: no message`);
    for (const message of messages) {
      const where = `topic ${topic}, message ${message.id()}`;
      const key = message.bindings().get('kafka')?.value<{ key?: unknown }>().key;
      if (key === undefined) problems.push(`${where}: no key (kafka message binding)`);
      const { names, required } = headerNames(message);
      for (const header of REQUIRED.correlationHeaders) if (!names.includes(header)) problems.push(`${where}: no header ${header}`);
      if (!REQUIRED.externalTopics.includes(topic) && !required.includes(REQUIRED.signatureHeader)) {
        problems.push(`${where}: header ${REQUIRED.signatureHeader} not required`);
      }
      if (topic === REQUIRED.deadLetterTopic) {
        for (const header of REQUIRED.deadLetterHeaders) if (!required.includes(header)) problems.push(`${where}: header ${header} not required`);
      } else {
        const id = message.payload()?.id();
        if (id === undefined || !id.startsWith('urn:sluice:schema:')) problems.push(`${where}: payload is not one of docs/schemas`);
        else payloadIds.add(id.slice('urn:sluice:schema:'.length));
      }
    }
    const operations = channel.operations().all();
    if (!operations.some((operation) => operation.action() === 'send') && !REQUIRED.externalTopics.includes(topic))
      problems.push(`topic ${topic}: nobody sends it`);
  }
  for (const name of REQUIRED.payloadSchemas) if (!payloadIds.has(name)) problems.push(`schema ${name}: no topic carries it`);
  return problems;
}
