import { webhookAddressProblem, webhookDestinationPolicy, webhookUrlProblem } from './webhook-destination.policy';

const NONE = webhookDestinationPolicy([]);

describe('webhookUrlProblem', () => {
  it('lets public https URLs through, by name or address', () => {
    expect(webhookUrlProblem(NONE, 'https://hooks.example.com/sluice')).toBeUndefined();
    expect(webhookUrlProblem(NONE, 'https://93.184.215.14/hook')).toBeUndefined();
    expect(webhookUrlProblem(NONE, 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook')).toBeUndefined();
  });

  it.each([
    ['loopback', 'http://127.0.0.1:4010/_emulator/reset'],
    ['loopback over https', 'https://127.1.2.3/hook'],
    ['private 10/8', 'https://10.0.0.5/hook'],
    ['private 172.16/12', 'https://172.31.255.1/hook'],
    ['private 192.168/16', 'https://192.168.1.1/hook'],
    ['cloud metadata (link-local)', 'https://169.254.169.254/latest/meta-data'],
    ['carrier-grade NAT', 'https://100.64.0.1/hook'],
    ['this network', 'https://0.0.0.0/hook'],
    ['IPv6 loopback', 'http://[::1]:8080/hook'],
    ['IPv6 unique local', 'https://[fd12:3456::1]/hook'],
    ['IPv6 link-local', 'https://[fe80::1]/hook'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook'],
  ])('refuses an internal address: %s', (_kind, url) => {
    expect(webhookUrlProblem(NONE, url)).toMatch(/internal address/);
  });

  it('refuses names of this machine before anything resolves them', () => {
    expect(webhookUrlProblem(NONE, 'http://localhost:3000/hook')).toMatch(/this machine/);
    expect(webhookUrlProblem(NONE, 'https://api.localhost/hook')).toMatch(/this machine/);
  });

  it('refuses plain http to a public destination', () => {
    expect(webhookUrlProblem(NONE, 'http://hooks.example.com/sluice')).toMatch(/https/);
  });

  it('lets the operator allow hosts by name, address or CIDR, plain http included', () => {
    const policy = webhookDestinationPolicy(['localhost', '127.0.0.1', '10.20.0.0/16', 'hooks.internal']);
    expect(webhookUrlProblem(policy, 'http://localhost:3000/hook')).toBeUndefined();
    expect(webhookUrlProblem(policy, 'http://127.0.0.1:3000/hook')).toBeUndefined();
    expect(webhookUrlProblem(policy, 'https://10.20.3.4/hook')).toBeUndefined();
    expect(webhookUrlProblem(policy, 'http://hooks.internal/hook')).toBeUndefined();
    expect(webhookUrlProblem(policy, 'https://10.21.0.1/hook')).toMatch(/internal address/);
    expect(webhookUrlProblem(policy, 'http://127.0.0.2/hook')).toMatch(/internal address/);
  });

  it('says so for what is not a URL', () => {
    expect(webhookUrlProblem(NONE, 'not a url')).toBe('is not a URL');
  });
});

describe('webhookAddressProblem', () => {
  it('refuses a public name that resolves to an internal address (DNS rebinding), naming both', () => {
    expect(webhookAddressProblem(NONE, 'hooks.example.com', '127.0.0.1', 4)).toMatch(/hooks\.example\.com resolves to an internal address \(127\.0\.0\.1\)/);
    expect(webhookAddressProblem(NONE, 'hooks.example.com', '::ffff:10.0.0.1', 6)).toMatch(/internal address/);
    expect(webhookAddressProblem(NONE, 'hooks.example.com', '93.184.215.14', 4)).toBeUndefined();
  });

  it('allows what the operator allowed, by host or by address', () => {
    expect(webhookAddressProblem(webhookDestinationPolicy(['hooks.internal']), 'hooks.internal', '10.0.0.1', 4)).toBeUndefined();
    expect(webhookAddressProblem(webhookDestinationPolicy(['10.0.0.0/8']), 'hooks.example.com', '10.0.0.1', 4)).toBeUndefined();
  });
});

describe('webhookDestinationPolicy', () => {
  it('refuses an allowlist entry that is neither a host, an address nor a CIDR, naming it', () => {
    expect(() => webhookDestinationPolicy(['10.0.0.0/33'])).toThrow(/"10\.0\.0\.0\/33": bad prefix length/);
    expect(() => webhookDestinationPolicy(['hooks.internal/8'])).toThrow(/"hooks\.internal\/8" is neither/);
    expect(() => webhookDestinationPolicy(['http://x'])).toThrow(/is neither/);
  });
});
