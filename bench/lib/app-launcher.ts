/**
 * Child-process entry that runs an app's compiled main module and, when the bench asks over IPC,
 * reports the process's peak memory (`process.resourceUsage().maxRSS`) before it is stopped.
 * Usage: fork(app-launcher.js, [absolute path of the app's main.js]).
 */
process.on('message', (m: unknown) => {
  if (m === 'report' && process.send) {
    process.send({ kind: 'memory', maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, () =>
      process.exit(0),
    );
  }
});
// The bench stage that started this app died (timeout, crash): do not outlive it.
process.on('disconnect', () => process.exit(0));
const main = process.argv[2];
if (!main) {
  process.stderr.write('app-launcher: the app main module is required\n');
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(main);
