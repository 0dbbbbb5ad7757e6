import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../config/load';
import { LoopbackSecretsManager } from '../../../../test/support/secrets-manager-endpoint';
import { loadTokenizationKey, parseKeyMaterial } from './key';

const KEY = randomBytes(64);

describe('parseKeyMaterial', () => {
  it.each([
    ['hex', KEY.toString('hex')],
    ['HEX', KEY.toString('hex').toUpperCase()],
    ['base64', KEY.toString('base64')],
    ['base64 without padding', KEY.toString('base64').replace(/=+$/, '')],
    ['base64url', KEY.toString('base64url')],
    ['with surrounding whitespace', `  ${KEY.toString('hex')}\n`],
  ])('accepts %s', (_what, text) => {
    expect(parseKeyMaterial(text, 'src').equals(KEY)).toBe(true);
  });

  it.each([
    ['too short', randomBytes(32).toString('hex')],
    ['too long', randomBytes(65).toString('base64')],
    ['not an encoding', 'correct horse battery staple'],
    ['low entropy', Buffer.alloc(64, 7).toString('hex')],
  ])('refuses %s without echoing the material', (_what, text) => {
    expect(() => parseKeyMaterial(text, 'environment variable K')).toThrow(ConfigError);
    try {
      parseKeyMaterial(text, 'environment variable K');
    } catch (e) {
      expect((e as Error).message).toContain('environment variable K');
      expect((e as Error).message).not.toContain(text.trim());
    }
  });
});

describe('loadTokenizationKey from the environment', () => {
  it('reads the named variable', async () => {
    const key = await loadTokenizationKey({ source: 'env', variable: 'K' }, { env: { K: KEY.toString('hex') } });
    expect(key.equals(KEY)).toBe(true);
  });
  it('names a missing variable', async () => {
    await expect(loadTokenizationKey({ source: 'env', variable: 'MISSING_K' }, { env: {} })).rejects.toThrow(/MISSING_K is not set/);
  });
});

describe('loadTokenizationKey from a loopback Secrets Manager endpoint', () => {
  let sm: LoopbackSecretsManager;
  beforeAll(async () => {
    sm = await LoopbackSecretsManager.start({
      secrets: {
        'proxy/token-key-hex': KEY.toString('hex'),
        'proxy/token-key-json': JSON.stringify({ key: KEY.toString('base64') }),
        'proxy/not-a-key': 'hello',
        'proxy/denied': KEY.toString('hex'),
      },
    });
    sm.deny('proxy/denied');
  });
  afterAll(() => sm.close());

  it.each(['proxy/token-key-hex', 'proxy/token-key-json'])('loads %s with GetSecretValue by ARN', async (name) => {
    const before = sm.calls.length;
    const key = await loadTokenizationKey({ source: 'secretsManager', secretArn: sm.arnOf(name) }, { secretsManagerClient: sm.client() });
    expect(key.equals(KEY)).toBe(true);
    expect(sm.calls.slice(before)).toEqual([{ operation: 'GetSecretValue', secretId: sm.arnOf(name), status: 200 }]);
  });

  it.each([
    ['unknown secret', () => `arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-abcdef`, /cannot read secret .*ResourceNotFoundException/],
    ['access denied', () => sm.arnOf('proxy/denied'), /AccessDeniedException/],
    ['not a key', () => sm.arnOf('proxy/not-a-key'), /must hold a 64-byte key/],
  ])('%s is a ConfigError naming the secret, not its value', async (_what, arn, msg) => {
    const p = loadTokenizationKey({ source: 'secretsManager', secretArn: arn() }, { secretsManagerClient: sm.client() });
    await expect(p).rejects.toThrow(ConfigError);
    await expect(loadTokenizationKey({ source: 'secretsManager', secretArn: arn() }, { secretsManagerClient: sm.client() })).rejects.toThrow(msg);
  });

  it('wrong credentials fail SigV4 verification and become a ConfigError', async () => {
    const client = sm.client({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wrong' } });
    await expect(loadTokenizationKey({ source: 'secretsManager', secretArn: sm.arnOf('proxy/token-key-hex') }, { secretsManagerClient: client })).rejects.toThrow(
      /cannot read secret .*(UnrecognizedClient|InvalidSignature)/,
    );
  });
});
