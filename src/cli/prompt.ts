/**
 * Reading a password: from an environment variable, a hidden TTY prompt, or one line of piped
 * stdin.
 */
import { createInterface } from 'node:readline';

export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    // Piped: the first line of stdin (for scripts that do `echo "$PW" | treasury login`).
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // readline has no public way to mute echo: `_writeToOutput` is its internal hook (Node's own docs'
  // recipe for password prompts).
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let muted = false;
  out._writeToOutput = (s: string) => {
    if (!muted || s.includes('\n')) process.stderr.write(muted ? '\n' : s);
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
    muted = true;
  });
}

export async function readNewPassword(envValue: string | undefined): Promise<string> {
  if (envValue) return envValue;
  const first = await readSecret('New password (at least 12 characters): ');
  if (process.stdin.isTTY) {
    const second = await readSecret('Repeat the password: ');
    if (first !== second) throw new Error('the two passwords differ');
  }
  return first;
}
