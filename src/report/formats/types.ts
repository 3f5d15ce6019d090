// What an output format is: how it renders one run's report, how it renders merge's report, and whether it
// streams attempt lines while probing. One file per format in this folder, one row in index.ts.

import type { Attempt, Report } from '../../model.js';
import type { MergedReport } from '../../merge/types.js';

export interface RenderOptions {
  color: boolean;
  verbose: boolean;
  /** Columns to fit (people's formats). */
  width: number;
}

export interface OutputFormat<Id extends string = string> {
  id: Id;
  /** One line for --help. */
  description: string;
  /** Made for people to read: colour and terminal width apply. */
  forPeople: boolean;
  /** A whole document that --output can write atomically (not a stream of lines). */
  document: boolean;
  renderReport(report: Report, options: RenderOptions): string;
  /** The same text as renderReport in pieces, for formats whose report can be large (written piece by piece). */
  renderReportChunks?(report: Report, options: RenderOptions): Iterable<string>;
  renderMerged(merged: MergedReport, options: RenderOptions): string;
  /** For streaming formats: the lines for one site's classified attempts, written as soon as the site is done. */
  attemptLines?(attempts: Attempt[]): string;
  /** Load what rendering needs, before any render call (see prepareFormat): the table's renderer loads only here. */
  prepare?(): Promise<void>;
}
