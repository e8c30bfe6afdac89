import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { DlqDispositionsRepository, DlqEntryRef, dlqEntryKey } from './dlq-dispositions.repository';

function ref(partition: number, offset: string): DlqEntryRef {
  return { partition, offset, originalTopic: 'sluice.requests.v1', errorCode: 'INVALID_JSON' };
}

describe('DlqDispositionsRepository', () => {
  let db: TestDatabase;
  let dispositions: DlqDispositionsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    dispositions = new DlqDispositionsRepository(db.pool);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('settles an entry once, whatever is asked later, per DLQ topic', async () => {
    expect(await dispositions.settle('dlq.a', 'replayed', [ref(0, '1'), ref(1, '1')])).toEqual([ref(0, '1'), ref(1, '1')]);
    expect(await dispositions.settle('dlq.a', 'dropped', [ref(0, '1'), ref(0, '2')])).toEqual([ref(0, '2')]);
    expect(await dispositions.settle('dlq.b', 'dropped', [ref(0, '1')])).toEqual([ref(0, '1')]);
    expect(await dispositions.forTopic('dlq.a')).toEqual(
      new Map([
        [dlqEntryKey(0, '1'), 'replayed'],
        [dlqEntryKey(1, '1'), 'replayed'],
        [dlqEntryKey(0, '2'), 'dropped'],
      ]),
    );
  });

  it('records nothing when the work done with the claim fails', async () => {
    await expect(dispositions.settle('dlq.c', 'replayed', [ref(0, '5')], () => Promise.reject(new Error('broker gone')))).rejects.toThrow('broker gone');
    expect(await dispositions.forTopic('dlq.c')).toEqual(new Map());
    expect(await dispositions.settle('dlq.c', 'replayed', [ref(0, '5')])).toEqual([ref(0, '5')]);
  });

  it('gives each entry to one of two concurrent replays', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ref(i % 2, String(i)));
    const acted: DlqEntryRef[][] = [];
    const runs = await Promise.all([0, 1].map(() => dispositions.settle('dlq.d', 'replayed', entries, async (claimed) => void acted.push(claimed))));
    expect(
      runs
        .flat()
        .map((entry) => entry.offset)
        .sort(),
    ).toEqual(entries.map((entry) => entry.offset).sort());
    expect(acted.flat()).toHaveLength(20);
  });

  it('counts the settled entries the topic still holds', async () => {
    await dispositions.settle('dlq.e', 'dropped', [ref(0, '3'), ref(0, '9'), ref(1, '4')]);
    expect(
      await dispositions.countRetained('dlq.e', [
        { partition: 0, low: '0' },
        { partition: 1, low: '0' },
      ]),
    ).toBe(3);
    expect(
      await dispositions.countRetained('dlq.e', [
        { partition: 0, low: '5' },
        { partition: 1, low: '5' },
      ]),
    ).toBe(1);
    expect(await dispositions.countRetained('dlq.e', [])).toBe(0);
  });
});
