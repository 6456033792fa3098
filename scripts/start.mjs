// `npm start`: build the app and run it in Electron. When the Electron binary is missing (it is not
// downloaded by `npm install` here), say what to do instead of crashing.
import { spawnSync } from 'node:child_process';
import { electronBinary } from './electron.mjs';

const dev = process.argv.includes('--dev');

if (!electronBinary()) {
  process.stderr.write(`
Treasury Console needs the Electron runtime, which \`npm install\` does not download
(its download needs internet access beyond the npm registry; see README, "Electron runtime").

  • On a machine with internet access:   npm run electron:fetch   then   npm start
  • The same console in a browser, on the same stores:   npm run start:browser
  • Without it, everything works from the command line on the same stores:
        npx treasury init
        npx treasury demo --affiliates 1000 --conversions 100000 --seed 7
        npx treasury calc && npx treasury payables

`);
  process.exit(1);
}

const result = spawnSync('npx', ['electron-vite', dev ? 'dev' : 'preview'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
