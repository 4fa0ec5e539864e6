// Text relevance of each file to the issue: BM25 (MiniSearch's BM25+) over three fields — the path,
// the names the file defines, and its content — with identifiers split into their words, because an
// issue says "chained exceptions" where the code says `chain_exception` or `ChainedException`.
import MiniSearch from 'minisearch';
import { stemmer } from 'stemmer';

export interface TextDocument {
  path: string;
  /** Names of the file's definitions, space-separated. */
  names: string;
  content: string;
}

// A file's content is indexed up to this many characters: the head of a file holds its imports,
// classes and first definitions, and an index of every byte of a large repository costs seconds.
const maxContentChars = 60_000;
// A query of a few hundred distinct terms keeps search fast; the rest of a long issue is logs.
const maxQueryTerms = 400;

export interface TextIndex {
  /**
   * Each matching file's BM25 score, keyed by path; files that share no term are absent. Query terms
   * of `prefixFrom` characters or more also match the longer terms they begin.
   */
  scores(query: string, prefixFrom?: number): Map<string, number>;
  /** The share of files (0–1) whose path, names or content hold the word: how common it is. */
  share(word: string): number;
}

export function createTextIndex(documents: readonly TextDocument[]): TextIndex {
  // Document frequencies are counted while MiniSearch indexes (it reads each document's fields in
  // turn), so how common a word is costs a look-up instead of a search.
  const frequency = new Map<string, number>();
  let current: { document: TextDocument; terms: Set<string> } | undefined;
  const flush = () => {
    for (const term of current?.terms ?? []) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  };
  const index = new MiniSearch<TextDocument>({
    idField: 'path',
    fields: ['path', 'names', 'content'],
    tokenize: splitWords,
    processTerm: (term) => {
      const kept = keepTerm(term);
      if (kept !== null) current?.terms.add(kept);
      return kept;
    },
    extractField: (document, field) => {
      if (current?.document !== document) {
        flush();
        current = { document, terms: new Set() };
      }
      return field === 'content'
        ? document.content.slice(0, maxContentChars)
        : String(document[field as keyof TextDocument]);
    },
  });
  index.addAll(documents);
  flush();
  // The terms are split and stemmed already when searched; a second pass would stem them twice.
  const asIs = { tokenize: (joined: string) => joined.split(' '), processTerm: (term: string) => term };
  return {
    scores(query, prefixFrom = Number.POSITIVE_INFINITY) {
      const terms = [...new Set(splitWords(query).map(keepTerm).filter(isTerm))].slice(0, maxQueryTerms);
      const scores = new Map<string, number>();
      if (terms.length === 0) return scores;
      const results = index.search(terms.join(' '), {
        ...asIs,
        boost: { path: 3, names: 2, content: 1 },
        combineWith: 'OR',
        prefix: (term: string) => term.length >= prefixFrom,
        // Long source files are where fixes land; full length normalisation would push them down.
        bm25: { k: 1.2, b: 0.5, d: 0.5 },
      });
      // MiniSearch multiplies each score by how many query terms matched, which suits a search box's
      // three words; against an issue's hundreds it hands every long module that holds many of them a
      // second bonus, and the façade modules outrank the one that holds the rare words. Plain BM25.
      for (const result of results)
        scores.set(String(result.id), result.score / Math.max(1, result.queryTerms.length));
      return scores;
    },
    share(word) {
      const term = keepTerm(word);
      if (term === null || documents.length === 0) return 0;
      return (frequency.get(term) ?? 0) / documents.length;
    },
  };
}

/**
 * Splits text into words, and each identifier into its parts as well as itself:
 * `parse_url` gives parse_url, parse, url; `ChainedException` gives chainedexception, chained, exception.
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/[A-Za-z][A-Za-z0-9_]*/g)) {
    const token = match[0];
    words.push(token);
    const parts = token
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .split(/[\s_]+/);
    if (parts.length > 1) words.push(...parts);
  }
  return words;
}

// Stemming is most of the indexing time, and a repository repeats the same few thousand words.
const stems = new Map<string, string | null>();

/** The stemmed, lower-case index terms of a text, as the index sees them. */
export function indexTerms(text: string): string[] {
  return splitWords(text).map(keepTerm).filter(isTerm);
}

/** The words of a name (`expand_modules` -> expand, modul; `source-map` -> sourc, map), without compounds. */
export function nameTerms(name: string): string[] {
  const words: string[] = [];
  for (const match of name.matchAll(/[A-Za-z][A-Za-z0-9_]*/g)) {
    const parts = splitWords(match[0]);
    words.push(...(parts.length > 1 ? parts.slice(1) : parts));
  }
  return words.map(keepTerm).filter(isTerm);
}

function keepTerm(term: string): string | null {
  let kept = stems.get(term);
  if (kept === undefined) {
    kept = stemTerm(term);
    if (stems.size < 200_000) stems.set(term, kept);
  }
  return kept;
}

function stemTerm(term: string): string | null {
  const lower = term.toLowerCase();
  if (lower.length < 3 || lower.length > 40 || stopWords.has(lower)) return null;
  // Porter's stemmer, so that "serialization" meets `serialize` and "raised" meets `raise`.
  const stem = stemmer(lower);
  // Porter takes "-able" off "serializable" but leaves the "iz" that "serialize" loses with its "e":
  // stemmed again as the "-ize" word, the three forms meet.
  return stem.endsWith('iz') ? stemmer(`${stem}e`) : stem;
}

function isTerm(term: string | null): term is string {
  return term !== null;
}

const stopWords = new Set(
  (
    'the and for you this that with from have not but are was were can could would should will ' +
    'there their they them then than when what which while where who why how also into only just ' +
    "some such does did done been being its it's our out over more most very like using use used " +
    'here want make made get got see seem seems way one two any all each other about after before ' +
    'return self def class import none true false null undefined function const let var new '
  ).split(/\s+/),
);
