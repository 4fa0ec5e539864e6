// The hidden marker of CodingWorker's single progress comment on an issue. The action writes the first
// ("queued") version of that comment; the worker finds it again by this marker and edits it in place.
export const PROGRESS_MARKER = '<!-- codingworker:progress -->';
