// Injected into the bundle by scripts/bundle.mjs: the bundle's file URL, which `import.meta.url` stands for there.
export const __bundleUrl = require('node:url').pathToFileURL(__filename).href;
