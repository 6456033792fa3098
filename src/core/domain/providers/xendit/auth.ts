/**
 * How this client proves itself to Xendit: HTTP Basic with the secret key as the user name, and
 * optionally a xenPlatform sub-account (`for-user-id`). The key only ever lives in the
 * Authorization header; `redact` cuts the key and its Basic form out of any text a server or a
 * network layer might echo back.
 */

export interface XenditAuth {
  /** The headers every request carries. */
  headers(): Record<string, string>;
  /** `text` without the key or its Basic form. */
  redact(text: string): string;
}

export function xenditAuth(secretKey: string, forUserId?: string): XenditAuth {
  if (!secretKey) throw new Error('xendit: the secret key is empty');
  const basic = Buffer.from(`${secretKey}:`, 'utf8').toString('base64');
  const authorization = `Basic ${basic}`;
  const secrets = [secretKey, basic];
  return {
    headers: () => ({
      Authorization: authorization,
      Accept: 'application/json',
      ...(forUserId !== undefined ? { 'for-user-id': forUserId } : {}),
    }),
    redact(text) {
      let out = text;
      for (const secret of secrets)
        if (secret.length >= 4) out = out.split(secret).join('[redacted]');
      return out;
    },
  };
}
