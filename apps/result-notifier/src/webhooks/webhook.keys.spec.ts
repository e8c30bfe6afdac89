import { checkedSharedKey, LedgerWebhookKeys, SharedWebhookKey } from './webhook.keys';
import { webhookSigningKey } from './webhook.signature';

const secret = (text: string): string => `whsec_${Buffer.from(text.padEnd(32, '.')).toString('base64')}`;
const SHARED = secret('shared');

/** A ledger that knows `owned` and counts its reads. */
function ledgerOf(owned: Map<string, string[]>) {
  const reads: string[][] = [];
  return {
    reads,
    activeFor: (tenants: readonly string[]) => {
      reads.push([...tenants]);
      return Promise.resolve(new Map([...owned].filter(([tenant]) => tenants.includes(tenant))));
    },
  };
}

describe('LedgerWebhookKeys', () => {
  it("signs with a tenant's own secrets (newest first) and with the shared key for a tenant without one", async () => {
    const ledger = ledgerOf(new Map([['acme', [secret('new'), secret('old')]]]));
    const keys = new LedgerWebhookKeys(ledger, new SharedWebhookKey(SHARED), 30_000, () => 0);

    await keys.prepare(['acme', 'globex', 'acme']);

    expect(ledger.reads).toEqual([['acme', 'globex']]);
    expect(keys.keysFor('acme')).toEqual([webhookSigningKey(secret('new')), webhookSigningKey(secret('old'))]);
    expect(keys.keysFor('globex')).toEqual([webhookSigningKey(SHARED)]);
  });

  it('reads a tenant again only once its entry is older than the refresh interval, so a rotation shows within it', async () => {
    const owned = new Map([['acme', [secret('first')]]]);
    const ledger = ledgerOf(owned);
    let now = 0;
    const keys = new LedgerWebhookKeys(ledger, new SharedWebhookKey(SHARED), 30_000, () => now);

    await keys.prepare(['acme']);
    owned.set('acme', [secret('second'), secret('first')]);
    now = 29_999;
    await keys.prepare(['acme']);
    expect(ledger.reads).toHaveLength(1);
    expect(keys.keysFor('acme')).toEqual([webhookSigningKey(secret('first'))]);

    now = 30_000;
    await keys.prepare(['acme']);
    expect(ledger.reads).toHaveLength(2);
    expect(keys.keysFor('acme')[0]).toEqual(webhookSigningKey(secret('second')));
  });

  it('fails prepare when the ledger cannot be read, rather than signing with a key the receiver may not hold', async () => {
    const keys = new LedgerWebhookKeys({ activeFor: () => Promise.reject(new Error('database down')) }, new SharedWebhookKey(SHARED), 30_000);
    await expect(keys.prepare(['acme'])).rejects.toThrow('database down');
  });
});

describe('checkedSharedKey', () => {
  const development = secret('development');

  it('refuses the development key in production, naming the variable', () => {
    expect(() => checkedSharedKey({ env: 'production', secret: development, developmentSecret: development }, () => undefined)).toThrow(
      /^NOTIFIER_WEBHOOK_SECRET must be set in production/,
    );
  });

  it('warns about it in development and takes a real key quietly in both', () => {
    const warnings: string[] = [];
    expect(checkedSharedKey({ env: 'development', secret: development, developmentSecret: development }, (m) => warnings.push(m)).keysFor()).toEqual([
      webhookSigningKey(development),
    ]);
    checkedSharedKey({ env: 'production', secret: SHARED, developmentSecret: development }, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining('development key') as unknown]);
  });
});
