import { PACKAGE_VERSION } from './package-root.js';

/** The package version, read once from package.json. */
export const TOOL_VERSION: string = PACKAGE_VERSION;
