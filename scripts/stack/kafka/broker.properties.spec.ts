import { newClusterId, renderLog4j2Properties, renderServerProperties, singleNodeEntries } from './broker.properties';

function parse(properties: string): Map<string, string> {
  return new Map(
    properties
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as [string, string];
      }),
  );
}

describe('renderServerProperties', () => {
  const props = parse(renderServerProperties({ host: '127.0.0.1', port: 19092, controllerPort: 19093 }, '/state/kafka/data'));

  it('runs one combined node with a static quorum on the controller port', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(props.get('log.dirs')).toBe('/state/kafka/data');
  });

  it('never creates topics on demand and fits internal topics to one node', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
  });

  it('escapes backslashes, which java.util.Properties would eat', () => {
    const rendered = renderServerProperties({ host: '127.0.0.1', port: 1, controllerPort: 2 }, 'C:\\kafka\\data');
    expect(parse(rendered).get('log.dirs')).toBe('C:\\\\kafka\\\\data');
  });
});

describe('singleNodeEntries', () => {
  it('leaves every listener to the caller, so a broker with other listeners never gets two values for one key', () => {
    const keys = singleNodeEntries({ controllerHost: '127.0.0.1', controllerPort: 2, logDir: '/d' }).map(([key]) => key);
    expect(keys.filter((key) => key.includes('listener') && key !== 'controller.listener.names')).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('renderLog4j2Properties', () => {
  it('keeps the start-up lines visible', () => {
    expect(renderLog4j2Properties()).toContain('kafka.server.KafkaRaftServer');
  });
});

describe('newClusterId', () => {
  it('is 22 base64url characters from 16 bytes', () => {
    const id = newClusterId(Buffer.alloc(16, 0xfb));
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(() => newClusterId(Buffer.alloc(8))).toThrow('16 random bytes');
  });

  it('never starts with a dash, which the storage tool would read as an option', () => {
    expect(newClusterId(Buffer.alloc(16, 0xff))).toMatch(/^[A-Za-f]/);
    expect(newClusterId(Buffer.alloc(16, 0xfb))).toMatch(/^[A-Za-f]/);
  });
});
