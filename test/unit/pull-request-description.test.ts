import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, escapeText, pullRequestDescription } from '../../worker/job/pull-request-description.ts';

const base = {
  issueNumber: 123,
  model: 'qwen2.5-coder:1.5b',
  generatedAt: new Date('2025-01-25T10:30:00Z'),
  files: [
    { path: 'src/auth.py', status: 'added' as const, added: 40, removed: 0 },
    { path: 'README.md', status: 'modified' as const, added: 2, removed: 1 },
    { path: 'logo.png', status: 'modified' as const },
  ],
  result: {
    verdict: {
      ok: true,
      checks: [
        { name: 'changes', ok: true, detail: '3 files changed' },
        { name: 'python syntax', ok: true, detail: '1 file ok' },
      ],
      feedback: '',
    },
    summary: ['Added JWT token generation'],
    steps: [
      { step: 1, action: 'cat README.md', exitCode: 0 },
      { step: 2, action: 'echo CODINGWORKER_DONE', exitCode: 0 },
    ],
    durationMs: 12_345,
    promptTokens: 1_000,
    completionTokens: 200,
    verifyRounds: 1,
    reason: 'done',
    strategy: 'pipeline',
    strategyReason: 'auto: qwen2.5-coder:1.5b has 1.5B parameters',
    shownFiles: ['src/auth.py', 'src/`odd`.py'],
    modelCalls: 3,
    newPromptTokens: 1_500,
  },
};

describe('pull request description', () => {
  it('follows the template of docs/requirements.md#pull-requests, in Japanese by default', () => {
    const body = pullRequestDescription({ ...base, language: 'ja' });
    const expectedInOrder = [
      '## 自動生成されたコード',
      'このPRは CodingWorker によって自動生成されました。',
      '**関連Issue**: #123',
      '**生成モデル**: Ollama `qwen2.5-coder:1.5b`  ',
      '**生成日時**: 2025-01-25 10:30:00 UTC',
      '### 変更内容',
      '- `src/auth.py`: 追加 (+40 / -0 行)',
      '- `README.md`: 変更 (+2 / -1 行)',
      '- `logo.png`: 変更 (バイナリ)',
      '### 概要',
      '- Added JWT token generation',
      '### 検証',
      '**合格** · 検証 1 回',
      '- ✅ changes: `3 files changed`',
      '- ✅ python syntax: `1 file ok`',
      '所要時間 12.3 秒 · トークン 入力 1000 / 出力 200',
      '**方式**: `pipeline` (auto: qwen2\\.5\\-coder:1\\.5b has 1\\.5B parameters)  ',
      '**モデルに示したファイル**: `src/auth.py`, ``src/`odd`.py``  ',
      'モデル呼び出し 3 回 · 新規入力トークン 1500',
      '### 確認事項',
      '- [ ] コードが正しく動作するか',
      '- [ ] テストが通るか',
      '- [ ] コーディング規約に準拠しているか',
      '<details>',
      '<summary>エージェントの手順 (2)</summary>',
      '1. `cat README.md` → exit 0',
      '2. `echo CODINGWORKER_DONE` → exit 0',
      '</details>',
      'Resolves #123',
    ];
    const lines = body.split('\n');
    let position = -1;
    for (const expected of expectedInOrder) {
      const found = lines.indexOf(expected, position + 1);
      assert.ok(found > position, `missing or out of order: ${expected}\n---\n${body}`);
      position = found;
    }
  });

  it('says which strategy ran, which files the model was shown, and its model calls (English)', () => {
    const body = pullRequestDescription({ ...base, language: 'en' });
    assert.match(body, /\*\*Strategy\*\*: `pipeline` \(auto: /);
    assert.match(body, /\*\*Files shown to the model\*\*: `src\/auth\.py`, ``src\/`odd`\.py``/);
    assert.match(body, /^3 model calls · 1500 new prompt tokens \(not read from the prompt cache\)$/m);
    const shell = pullRequestDescription({
      ...base,
      language: 'en',
      result: {
        ...base.result,
        strategy: 'shell',
        strategyReason: undefined,
        shownFiles: undefined,
        modelCalls: 1,
      },
    });
    assert.match(shell, /\*\*Strategy\*\*: `shell` {2}\n1 model call · /);
    assert.doesNotMatch(shell, /Files shown/);
  });

  it('can be English', () => {
    const body = pullRequestDescription({ ...base, language: 'en' });
    assert.match(body, /^## Automatically generated code\n/);
    assert.match(body, /\*\*Related issue\*\*: #123/);
    assert.match(body, /- `src\/auth\.py`: added \(\+40 \/ -0 lines\)/);
    assert.match(body, /### Checklist\n- \[ \] The code works as intended\n- \[ \] The tests pass/);
    assert.match(body, /<summary>Agent steps \(2\)<\/summary>/);
    assert.doesNotMatch(body, /[ぁ-んァ-ン]/);
  });

  it('keeps untrusted text from breaking the Markdown, injecting HTML or pinging people', () => {
    const body = pullRequestDescription({
      ...base,
      language: 'en',
      files: [{ path: 'a`b</details>@octocat.md', status: 'added', added: 1, removed: 0 }],
      result: {
        ...base.result,
        summary: ['cc @octocat <img src=x onerror=alert(1)> [click](http://evil) **bold**\n## heading'],
        steps: [{ step: 1, action: 'echo "</details>\n<script>x</script>" ``` @admin', exitCode: 0 }],
      },
    });
    const outsideCode = body.replace(/(`+)[\s\S]*?\1/g, '');
    assert.equal(outsideCode.match(/<\/details>/g)?.length, 1, 'only our own </details> is live HTML');
    assert.doesNotMatch(outsideCode, /<script|<img/);
    assert.ok(body.includes('- ``a`b</details>@octocat.md``: added'));
    assert.ok(body.includes('1. ````echo "</details> <script>x</script>" ``` @admin```` → exit 0'));
    const summary = body.split('\n').find((line) => line.startsWith('- cc'))!;
    assert.equal(
      summary,
      '- cc @&#8203;octocat &lt;img src=x onerror=alert\\(1\\)&gt; \\[click\\]\\(http://evil\\) \\*\\*bold\\*\\* \\#\\# heading',
    );
    assert.doesNotMatch(outsideCode, /@(?!&#8203;)\w/, 'no live @mention outside code spans');
  });

  it('renders code spans and escaped text on one bounded line', () => {
    assert.equal(code('plain'), '`plain`');
    assert.equal(code('has ` tick'), '``has ` tick``');
    assert.equal(code('`edge`'), '`` `edge` ``');
    assert.equal(code(''), '` `');
    assert.equal(code('x'.repeat(500)).length, 202);
    assert.equal(escapeText('a\nb'), 'a b');
  });

  it("shows no bidi or invisible characters, and the only closing reference is the worker's", () => {
    const body = pullRequestDescription({
      ...base,
      language: 'en',
      files: [{ path: 'src/\u202Eyp.exe', status: 'added', added: 1, removed: 0 }],
      result: { ...base.result, summary: ['Fixes #9 and resolves https://github.com/o/r/issues/4\u200B'] },
    });
    assert.doesNotMatch(body, /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u);
    const closing =
      /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s*(?:\\?#\d+|https?:\/\/\S+\/issues\/\d+)/gi;
    assert.deepEqual(body.match(closing), ['Resolves #123']);
  });

  it('shows a symbolic link as a link with its target, not as an ordinary file', () => {
    const body = pullRequestDescription({
      ...base,
      language: 'en',
      files: [{ path: 'manual/latest.md', status: 'added', added: 1, removed: 0, linkTarget: 'guide.md' }],
    });
    assert.ok(body.includes('- `manual/latest.md`: added (symbolic link → `guide.md`)'), body);
    const ja = pullRequestDescription({
      ...base,
      language: 'ja',
      files: [{ path: 'manual/latest.md', status: 'added', added: 1, removed: 0, linkTarget: 'guide.md' }],
    });
    assert.ok(ja.includes('- `manual/latest.md`: 追加 (シンボリックリンク → `guide.md`)'), ja);
  });

  it('names the repository instruction file the agent was given, and says when it was cut', () => {
    const none = pullRequestDescription({ ...base, language: 'en' });
    assert.doesNotMatch(none, /Repository instructions/);
    const full = pullRequestDescription({
      ...base,
      language: 'en',
      result: { ...base.result, instructionsFile: 'AGENTS.md', instructionsTruncated: false },
    });
    assert.ok(full.split('\n').includes('**Repository instructions**: `AGENTS.md`  '), full);
    const cut = pullRequestDescription({
      ...base,
      language: 'en',
      result: {
        ...base.result,
        instructionsFile: '.github/copilot-instructions.md',
        instructionsTruncated: true,
      },
    });
    assert.ok(
      cut.includes('**Repository instructions**: `.github/copilot-instructions.md` (cut to 4000 characters)'),
      cut,
    );
    const ja = pullRequestDescription({
      ...base,
      language: 'ja',
      result: { ...base.result, instructionsFile: 'CLAUDE.md', instructionsTruncated: true },
    });
    assert.ok(ja.includes('**リポジトリの指示**: `CLAUDE.md` (4000 文字に短縮)'), ja);
  });
});
