import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outlineFile } from '../../worker/context/symbols.ts';
import type { CodeSymbol } from '../../worker/context/types.ts';

const source = (...lines: string[]): string => `${lines.join('\n')}\n`;
const sym = (kind: CodeSymbol['kind'], name: string, startLine: number, endLine: number, parent?: string) =>
  parent === undefined ? { name, kind, startLine, endLine } : { name, kind, startLine, endLine, parent };

describe('outlineFile with a grammar', () => {
  it('Python: methods name their class, decorators are in the range, nested classes keep their methods', async () => {
    const text = source(
      'import os', //                       1
      '',
      'class Dataset(Base):', //            3
      '    """Doc."""',
      '    def merge(self, other):', //     5
      '        def helper():', //           6  nested function: not a symbol
      '            return 1',
      '        return helper()',
      '',
      '    @property', //                   10
      '    def size(self):',
      '        return 0',
      '',
      '    class Meta:', //                 14
      '        def options(self):',
      '            pass',
      '',
      '@cache', //                          18
      '@route("/x",',
      '       methods=["GET"])',
      'def handler(request):', //           21
      '    return request',
    );
    const outline = await outlineFile('pkg/dataset.py', text);
    assert.deepEqual(outline.symbols, [
      sym('class', 'Dataset', 3, 16),
      sym('method', 'merge', 5, 8, 'Dataset'),
      sym('method', 'size', 10, 12, 'Dataset'),
      sym('class', 'Meta', 14, 16, 'Dataset'),
      sym('method', 'options', 15, 16, 'Meta'),
      sym('function', 'handler', 18, 22),
    ]);
    assert.deepEqual(outline.imports, ['os']);
  });

  it('Python imports: dotted, from-imports with possible submodules, relative forms', async () => {
    const text = source(
      'import a.b.c',
      'import numpy as np, json',
      'from a.b import c, d as e',
      'from . import x',
      'from ..core import y',
      'from .sub import (p,',
      '    q)',
      'from z import *',
      'def lazy():',
      '    import inside.func',
    );
    const { imports } = await outlineFile('pkg/mod.py', text);
    assert.deepEqual(imports, [
      'a.b.c',
      'numpy',
      'json',
      'a.b',
      'a.b.d',
      '.',
      '.x',
      '..core',
      '..core.y',
      '.sub',
      '.sub.p',
      '.sub.q',
      'z',
      'inside.func',
    ]);
  });

  it('JavaScript: declarations, arrow and function consts, class methods and arrow fields, export default', async () => {
    const text = source(
      "const path = require('path');", //  1
      'function plain(a) {', //            2
      '  function inner() {}', //          3  nested: not a symbol
      '  return a;',
      '}',
      'const arrow = (x) =>', //           6
      '  x * 2;',
      'var old = function () {};', //      8
      'class Widget extends Base {', //    9
      '  constructor() { super(); }',
      '  render() {',
      '    return 1;',
      '  }',
      '  onClick = () => {};', //          14
      '  static count = 0;', //            15 not a function: not a symbol
      '}',
      'const config = { method() {} };', // 17 object-literal method: not a symbol
      'Widget.prototype.legacy = function () {};', // 18
      'export default function () {', //  19
      '  return 0;',
      '}',
    );
    const outline = await outlineFile('src/widget.js', text);
    assert.deepEqual(outline.symbols, [
      sym('function', 'plain', 2, 5),
      sym('function', 'arrow', 6, 7),
      sym('function', 'old', 8, 8),
      sym('class', 'Widget', 9, 16),
      sym('method', 'constructor', 10, 10, 'Widget'),
      sym('method', 'render', 11, 13, 'Widget'),
      sym('method', 'onClick', 14, 14, 'Widget'),
      sym('method', 'legacy', 18, 18, 'Widget'),
      sym('function', 'default', 19, 21),
    ]);
    assert.deepEqual(outline.imports, ['path']);
  });

  it('JavaScript and TypeScript imports: import, export-from, require, dynamic import, import = require', async () => {
    const js = source(
      "import React, { useState } from 'react';",
      'import "./styles.css";',
      "export { helper } from './helper.js';",
      "export * from '@scope/pkg/sub';",
      "const lazy = () => import('./lazy');",
      "function load() { return require('../lib/util'); }",
      'const notStatic = require(name);',
    );
    assert.deepEqual((await outlineFile('src/a.mjs', js)).imports, [
      'react',
      './styles.css',
      './helper.js',
      '@scope/pkg/sub',
      './lazy',
      '../lib/util',
    ]);
    const ts = source("import fs = require('node:fs');", "import type { T } from './types.ts';");
    assert.deepEqual((await outlineFile('src/a.ts', ts)).imports, ['node:fs', './types.ts']);
  });

  it('TypeScript: interface, type alias, enum, abstract class with abstract and concrete methods', async () => {
    const text = source(
      'export interface Options {', //    1
      '  name: string;',
      '}',
      'type Id = string | number;', //     4
      'export enum Color { Red, Green }', // 5
      'export abstract class Shape<T> {', // 6
      '  abstract area(): number;',
      '  describe(): string {',
      "    return 'shape';",
      '  }',
      '}',
      'namespace Geometry {', //           12
      '  export function origin() {}',
      '}',
    );
    assert.deepEqual((await outlineFile('src/shape.ts', text)).symbols, [
      sym('interface', 'Options', 1, 3),
      sym('type', 'Id', 4, 4),
      sym('enum', 'Color', 5, 5),
      sym('class', 'Shape', 6, 11),
      sym('method', 'area', 7, 7, 'Shape'),
      sym('method', 'describe', 8, 10, 'Shape'),
      sym('module', 'Geometry', 12, 14),
      sym('function', 'origin', 13, 13, 'Geometry'),
    ]);
  });

  it('TSX: components written as functions and as arrow consts', async () => {
    const text = source(
      "import React from 'react';",
      'export function App(props: { n: number }) {',
      '  return <div className="x">{props.n}</div>;',
      '}',
      'export const Item = ({ label }: { label: string }) => <li>{label}</li>;',
    );
    const outline = await outlineFile('ui/App.tsx', text);
    assert.deepEqual(outline.symbols, [sym('function', 'App', 2, 4), sym('function', 'Item', 5, 5)]);
    assert.deepEqual(outline.imports, ['react']);
  });

  it('Go: functions, methods with their receiver type as parent, structs and interfaces', async () => {
    const text = source(
      'package store',
      'import (',
      '  "fmt"',
      '  db "example.com/x/db"',
      ')',
      'type Store struct {', //            6
      '  n int',
      '}',
      'type Reader interface{ Read() }', // 9
      'func New() *Store { return &Store{} }', // 10
      'func (s *Store) Get(k string) string {', // 11
      '  return fmt.Sprint(k)',
      '}',
    );
    const outline = await outlineFile('store/store.go', text);
    assert.deepEqual(outline.symbols, [
      sym('class', 'Store', 6, 8),
      sym('interface', 'Reader', 9, 9),
      sym('function', 'New', 10, 10),
      sym('method', 'Get', 11, 13, 'Store'),
    ]);
    assert.deepEqual(outline.imports, ['fmt', 'example.com/x/db']);
  });

  it('every other grammar loads and its query finds definitions, parents and imports', async () => {
    const cases: [string, string, string[], string[]][] = [
      [
        'a.rs',
        source(
          'use std::fmt;',
          'struct S;',
          'trait T { fn t(&self); }',
          'impl<X> S<X> { fn new() -> Self { S } }',
        ),
        ['class S', 'interface T', 'method T.t', 'method S.new'],
        ['std::fmt'],
      ],
      [
        'a.rb',
        source(
          "require_relative 'lib/x'",
          'module M',
          '  class C',
          '    def m; end',
          '  end',
          'end',
          'def top; end',
        ),
        ['module M', 'class M.C', 'method C.m', 'function top'],
        ['lib/x'],
      ],
      [
        'A.java',
        source('import a.b.C;', 'class A { A() {} void m() {} enum E { X } }'),
        ['class A', 'method A.A', 'method A.m', 'enum A.E'],
        ['a.b.C'],
      ],
      [
        'a.php',
        source('<?php', 'use A\\B;', 'function f() {}', 'class C { function m() {} }'),
        ['function f', 'class C', 'method C.m'],
        ['A\\B'],
      ],
      [
        'a.cs',
        source('using System.Text;', 'namespace N { class C { void M() {} } }'),
        ['module N', 'class N.C', 'method C.M'],
        ['System.Text'],
      ],
      [
        'a.cpp',
        source(
          '#include "a/b.h"',
          'class C { void m() {} };',
          'int n::C::q() { return 1; }',
          'static int* p() { return 0; }',
        ),
        ['class C', 'method C.m', 'method C.q', 'function p'],
        ['a/b.h'],
      ],
    ];
    for (const [path, text, symbols, imports] of cases) {
      const outline = await outlineFile(path, text);
      const written = outline.symbols.map((s) => `${s.kind} ${s.parent ? `${s.parent}.` : ''}${s.name}`);
      assert.deepEqual(written, symbols, path);
      assert.deepEqual(outline.imports, imports, path);
    }
  });

  it('invalid syntax still yields the definitions the parser recovered, without throwing', async () => {
    // The parser buries 'after' inside 'broken' and loses 'Later'; the line outline adds both back.
    const text = source(
      'def good():',
      '    return 1',
      '',
      'def broken(:',
      '    x = = 2',
      '',
      'def after():', //                  7
      '    pass',
      'class Later:', //                  9
      '    pass',
    );
    const { symbols } = await outlineFile('bad.py', text);
    assert.deepEqual(
      symbols.map((s) => [s.name, s.startLine]),
      [
        ['good', 1],
        ['broken', 4],
        ['after', 7],
        ['Later', 9],
      ],
    );
  });

  it('concurrent calls share the parser without mixing up results', async () => {
    const files = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? [`m${i}.py`, `def f${i}():\n    pass\n`] : [`m${i}.ts`, `export function f${i}() {}\n`],
    );
    const outlines = await Promise.all(files.map(([path, text]) => outlineFile(path!, text!)));
    assert.deepEqual(
      outlines.map((o) => o.symbols.map((s) => s.name)),
      files.map((_, i) => [`f${i}`]),
    );
  });
});

describe('outlineFile without a grammar, or when parsing is not worth it', () => {
  it('a Lua file gets a line outline: each symbol ends where the next begins, comments are no symbols', async () => {
    const text = source(
      'local M = {}',
      '-- the function of this module', // prose after a comment marker
      'local function helper(a)', //       3
      '  return a',
      'end',
      '',
      'function M.run(x)', //              7
      '  return helper(x)',
      'end',
      'return M',
    );
    assert.deepEqual(await outlineFile('lib/mod.lua', text), {
      symbols: [sym('function', 'helper', 3, 6), sym('method', 'run', 7, 10, 'M')],
      imports: [],
    });
  });

  it('prose that merely starts with a keyword is not a definition', async () => {
    // 'def ready' is Ruby style: a definition needs no parentheses.
    const text = source('class of problems we solve', 'def ready', 'struct Point {', '  int x;', '};');
    assert.deepEqual((await outlineFile('notes.zig', text)).symbols, [
      sym('function', 'ready', 2, 2),
      sym('class', 'Point', 3, 5),
    ]);
  });

  it('a 2 MB Python file is not parsed: the line outline answers quickly', async () => {
    const body = Array.from({ length: 80_000 }, (_, i) => `def f${i}():\n    return ${i}\n`).join('');
    const text = `import os\n${body}`;
    assert.ok(text.length > 1_000_000 * 1.5);
    const started = performance.now();
    const outline = await outlineFile('big.py', text);
    const ms = performance.now() - started;
    assert.ok(ms < 500, `${ms} ms`);
    assert.equal(outline.symbols.length, 80_000);
    assert.deepEqual(outline.symbols[1], sym('function', 'f1', 4, 5));
    // The line outline reads no imports; a parse would have found 'os'.
    assert.deepEqual(outline.imports, []);
  });

  it('5,000 nested brackets or functions neither crash nor hide the definitions after them', async () => {
    const python = `x = ${'['.repeat(5000)}${']'.repeat(5000)}\ndef after():\n    pass\n`;
    assert.deepEqual((await outlineFile('deep.py', python)).symbols, [sym('function', 'after', 2, 3)]);
    const js = `${'function a() {'.repeat(5000)}${'}'.repeat(5000)}\nfunction after() {}\n`;
    assert.deepEqual(
      (await outlineFile('deep.js', js)).symbols.map((s) => s.name),
      ['a', 'after'],
    );
  });

  it('50,000 unclosed brackets, where error recovery is slow, fall back to the line outline in bounded time', async () => {
    const text = `x = ${'('.repeat(50_000)}\ndef after():\n    pass\n`;
    const started = performance.now();
    const outline = await outlineFile('unclosed.py', text);
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `${ms} ms`);
    assert.deepEqual(outline.symbols, [sym('function', 'after', 2, 3)]);
  });
});
