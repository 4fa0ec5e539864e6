// The shapes the context stage passes between its parts: the inventory of a checkout, each file's
// outline (definitions and imports), and the ranked candidates the agent is shown. Kept in one small
// file so each part (inventory, symbols, imports, ranking, repository map) can be read and tested alone.

/** A file the localizer indexes: tracked by git, text, not vendored or generated, under the size cap. */
export interface InventoryFile {
  /** Relative to the repository root, POSIX separators, exactly as `git ls-files` names it. */
  path: string;
  /** Size in bytes on disk. */
  size: number;
  /** The content, decoded as UTF-8 with invalid bytes replaced (U+FFFD), so a bad byte never throws. */
  text: string;
}

/** What the inventory left out, counted by reason, so a caller can say what was skipped. */
export interface Skipped {
  files: number;
  reasons: Record<string, number>;
}

export interface Inventory {
  /** The files read, in path order. */
  files: InventoryFile[];
  /** Every tracked path that is not vendored, generated, binary or a link, read or not, in path order:
   * a path an issue names can match a file even when its content was not needed. */
  paths: string[];
  skipped: Skipped;
}

export type SymbolKind = 'function' | 'class' | 'method' | 'interface' | 'type' | 'enum' | 'module';

/** A definition in a file, with 1-based inclusive line numbers. */
export interface CodeSymbol {
  name: string;
  kind: SymbolKind;
  startLine: number;
  endLine: number;
  /** The enclosing class (or namespace) for a method, so `Dataset.merge` can be matched. */
  parent?: string;
}

/** One file's structure: what it defines and which modules it imports, as written in the source. */
export interface FileOutline {
  symbols: CodeSymbol[];
  /** Module specifiers as written: `./util`, `..core.dataset`, `xarray.core.merge`, `@babel/types`. */
  imports: string[];
}

/** A file ranked for an issue: its score, why, and the definitions in it that the issue is about. */
export interface Candidate {
  path: string;
  score: number;
  reasons: string[];
  symbols: CodeSymbol[];
}

export interface LocalizeResult {
  candidates: Candidate[];
  skipped: Skipped;
  ms: number;
}
