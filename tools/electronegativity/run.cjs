// Runs Electronegativity over the Electron code and prints its findings as JSON on stdout:
// { errors, issues: [{ id, severity, confidence, file, line, manualReview }] }.
// Findings disabled in the code with an `eng-disable` comment (each with its reason) are left out.
const m = require('@doyensec/electronegativity');
const run = m.default ?? m;
const input = process.argv[2];
if (!input) {
  console.error('usage: node run.cjs <folder>');
  process.exit(2);
}
// The Electron version is given: Electronegativity otherwise asks the network for releases.
run({ input, isRelative: true, electronVersionOverride: process.env.ELECTRON_VERSION || '33.0.0' }, false).then(
  (r) => {
    const issues = r.issues.map((i) => ({ id: i.id, severity: i.severity.name, confidence: i.confidence.name, file: i.file, line: i.location.line, manualReview: i.manualReview }));
    process.stdout.write(JSON.stringify({ errors: r.errors.length, issues }) + '\n');
  },
  (error) => {
    console.error(String(error && error.stack ? error.stack : error));
    process.exit(1);
  },
);
