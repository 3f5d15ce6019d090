// Inside a fresh namespace: mark one step of the given kind, then hang until the namespace is killed.
// argv[2]: "setup" or "run".
import { insideNamespace, runStep, setupStep } from '../../../dist/lab/netns.js';

await insideNamespace(async () => {
  if (process.argv[2] === 'setup') setupStep('making keys');
  else runStep('running the tool');
  await new Promise(() => setInterval(() => {}, 1000));
});
