// Loaded with `node --require` before the binary: hold all but HOG_FREE of the process's file descriptors, as
// descriptors inherited from a parent or held by something else in the process would. Linux only (/proc).
const fs = require('node:fs');
const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
const limit = Number(line.slice('Max open files'.length).trim().split(/\s+/)[0]);
const free = Number(process.env.HOG_FREE ?? 40);
globalThis.heldDescriptors = [];
for (;;) {
  const fd = fs.openSync('/dev/null', 'r');
  globalThis.heldDescriptors.push(fd);
  if (fd >= limit - free) break;
}
