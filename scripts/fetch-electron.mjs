// `npm run electron:fetch`: download the Electron runtime with electron's own installer (needs
// internet access), then build the encrypted cache's native module for Electron's ABI beside the
// Node build (scripts/electron-native.mjs), so the CLI and the tests keep working.
import { electronBinary, fetchElectron } from './electron.mjs';
import { buildForElectron } from './electron-native.mjs';

if (!electronBinary() && !fetchElectron({ quiet: false })) {
  process.stderr.write(
    'The Electron download did not produce a binary; check network access to the Electron release mirror (ELECTRON_MIRROR).\n',
  );
  process.exit(1);
}
process.stdout.write(`Electron runtime ready: ${electronBinary()}\n`);
try {
  process.stdout.write(`SQLite module for Electron ready: ${buildForElectron()}\n`);
} catch (error) {
  process.stderr.write(`Building the SQLite module for Electron failed: ${error.message}\n`);
  process.exit(1);
}
