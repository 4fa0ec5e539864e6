// How definitions are recognised in each language: which tree-sitter grammar reads which file and the
// query that finds its definitions and imports, and, for files no grammar reads, definition keywords at
// the start of a line. Kept apart from the engine (symbols.ts) so adding a language touches only this file.
//
// Capture names are the contract with symbols.ts:
//   @def.<kind>  the whole definition (its lines are the symbol's range); kind is a SymbolKind.
//                @def.function becomes a method inside a class, and is dropped inside another function.
//                @def.method is a method whenever it has a container (Ruby `def`, Go receivers).
//   @scope       a container that names the parent of what is inside it but is no symbol (Rust `impl`).
//   @name        the definition's name; a match without one (`export default function () {}`) is 'default'.
//   @receiver    an explicit parent written outside the body (Go receivers, C++ `Foo::bar`).
//   @import      a module specifier; quotes and angle brackets are stripped.
//   @import.python  a Python import statement, taken apart in code (one statement names several modules).
// When two patterns match the same name, the wider definition wins (Python decorators), then the later
// pattern, so specific patterns come after generic ones.

import type { CodeSymbol, FileOutline, SymbolKind } from './types.ts';

export interface LanguageSpec {
  /** The grammar's file name in @vscode/tree-sitter-wasm: tree-sitter-<grammar>.wasm. */
  grammar: string;
  query: string;
}

const PYTHON = `
(function_definition name: (identifier) @name) @def.function
(class_definition name: (identifier) @name) @def.class
(decorated_definition definition: (function_definition name: (identifier) @name)) @def.function
(decorated_definition definition: (class_definition name: (identifier) @name)) @def.class
(import_statement) @import.python
(import_from_statement) @import.python
`;

const FUNCTION_VALUE = '[(arrow_function) (function_expression) (generator_function)]';

// Node types shared by the JavaScript and TypeScript grammars.
const JS_COMMON = `
(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(class_declaration name: (_) @name) @def.class
(export_statement decorator: (_) declaration: (class_declaration name: (_) @name)) @def.class
(export_statement value: ${FUNCTION_VALUE} @def.function)
(export_statement value: (class) @def.class)
(class_body (method_definition name: (_) @name) @def.method)
(lexical_declaration (variable_declarator name: (identifier) @name value: ${FUNCTION_VALUE})) @def.function
(variable_declaration (variable_declarator name: (identifier) @name value: ${FUNCTION_VALUE})) @def.function
(lexical_declaration (variable_declarator name: (identifier) @name value: (class))) @def.class
(expression_statement (assignment_expression
  left: (member_expression property: (property_identifier) @name) right: ${FUNCTION_VALUE})) @def.function
(expression_statement (assignment_expression
  left: (member_expression
    object: (member_expression object: (identifier) @receiver property: (property_identifier) @_p)
    property: (property_identifier) @name)
  right: ${FUNCTION_VALUE}) (#eq? @_p "prototype")) @def.method
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(call_expression function: (identifier) @_f arguments: (arguments . (string (string_fragment) @import))
  (#eq? @_f "require"))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @import)))
`;

const JAVASCRIPT = `${JS_COMMON}
(class_body (field_definition property: (_) @name value: ${FUNCTION_VALUE}) @def.method)
`;

const TYPESCRIPT = `${JS_COMMON}
(class_body (public_field_definition name: (_) @name value: ${FUNCTION_VALUE}) @def.method)
(class_body (abstract_method_signature name: (_) @name) @def.method)
(abstract_class_declaration name: (_) @name) @def.class
(export_statement decorator: (_) declaration: (abstract_class_declaration name: (_) @name)) @def.class
(interface_declaration name: (_) @name) @def.interface
(type_alias_declaration name: (_) @name) @def.type
(enum_declaration name: (_) @name) @def.enum
(internal_module name: (_) @name) @def.module
(function_signature name: (identifier) @name) @def.function
(import_require_clause source: (string (string_fragment) @import))
`;

const GO_RECEIVER = `[(type_identifier) @receiver (pointer_type (type_identifier) @receiver)
  (generic_type type: (type_identifier) @receiver) (pointer_type (generic_type type: (type_identifier) @receiver))]`;

const GO = `
(function_declaration name: (identifier) @name) @def.function
(method_declaration receiver: (parameter_list (parameter_declaration type: ${GO_RECEIVER}))
  name: (field_identifier) @name) @def.method
(type_spec name: (type_identifier) @name) @def.type
(type_alias name: (type_identifier) @name) @def.type
(type_spec name: (type_identifier) @name type: (struct_type)) @def.class
(type_spec name: (type_identifier) @name type: (interface_type)) @def.interface
(import_spec path: (_) @import)
`;

const JAVA = `
(class_declaration name: (identifier) @name) @def.class
(record_declaration name: (identifier) @name) @def.class
(interface_declaration name: (identifier) @name) @def.interface
(annotation_type_declaration name: (identifier) @name) @def.interface
(enum_declaration name: (identifier) @name) @def.enum
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method
(import_declaration [(scoped_identifier) (identifier)] @import)
`;

const RUST = `
(function_item name: (identifier) @name) @def.function
(function_signature_item name: (identifier) @name) @def.function
(struct_item name: (type_identifier) @name) @def.class
(enum_item name: (type_identifier) @name) @def.enum
(trait_item name: (type_identifier) @name) @def.interface
(type_item name: (type_identifier) @name) @def.type
(mod_item name: (identifier) @name) @def.module
(macro_definition name: (identifier) @name) @def.function
(impl_item type: [(type_identifier) @name (generic_type type: (type_identifier) @name)
  (scoped_type_identifier name: (type_identifier) @name)]) @scope
(use_declaration argument: (_) @import)
`;

const RUBY = `
(method name: (_) @name) @def.method
(singleton_method name: (_) @name) @def.method
(class name: [(constant) @name (scope_resolution name: (constant) @name)]) @def.class
(module name: [(constant) @name (scope_resolution name: (constant) @name)]) @def.module
(call method: (identifier) @_m arguments: (argument_list . (string (string_content) @import))
  (#any-of? @_m "require" "require_relative"))
`;

const PHP = `
(function_definition name: (name) @name) @def.function
(class_declaration name: (name) @name) @def.class
(trait_declaration name: (name) @name) @def.class
(interface_declaration name: (name) @name) @def.interface
(enum_declaration name: (name) @name) @def.enum
(method_declaration name: (name) @name) @def.method
(namespace_definition name: (namespace_name) @name body: (_)) @def.module
(namespace_use_clause [(qualified_name) (name)] @import)
`;

const CSHARP = `
(class_declaration name: (identifier) @name) @def.class
(struct_declaration name: (identifier) @name) @def.class
(record_declaration name: (identifier) @name) @def.class
(interface_declaration name: (identifier) @name) @def.interface
(enum_declaration name: (identifier) @name) @def.enum
(method_declaration name: (identifier) @name) @def.method
(constructor_declaration name: (identifier) @name) @def.method
(namespace_declaration name: (_) @name) @def.module
(using_directive [(qualified_name) (identifier)] @import .)
`;

const CPP_NAME = '[(identifier) (field_identifier) (operator_name) (destructor_name)]';
const CPP_QUALIFIED = `(qualified_identifier scope: (_) @receiver name: ${CPP_NAME} @name)`;

const CPP = `
(function_definition declarator: (function_declarator declarator: ${CPP_NAME} @name)) @def.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: ${CPP_NAME} @name))) @def.function
(function_definition declarator: (reference_declarator (function_declarator declarator: ${CPP_NAME} @name))) @def.function
(function_definition declarator: (function_declarator declarator: ${CPP_QUALIFIED})) @def.method
(function_definition declarator: (function_declarator
  declarator: (qualified_identifier name: ${CPP_QUALIFIED}))) @def.method
(class_specifier name: (_) @name body: (_)) @def.class
(struct_specifier name: (_) @name body: (_)) @def.class
(enum_specifier name: (_) @name body: (_)) @def.enum
(namespace_definition name: (_) @name) @def.module
(preproc_include path: (_) @import)
`;

const BY_EXTENSION: Record<string, LanguageSpec> = {};

function register(grammar: string, query: string, extensions: string[]): void {
  for (const extension of extensions) BY_EXTENSION[extension] = { grammar, query };
}

register('python', PYTHON, ['py', 'pyi']);
register('javascript', JAVASCRIPT, ['js', 'mjs', 'cjs', 'jsx']);
register('typescript', TYPESCRIPT, ['ts', 'mts', 'cts']);
register('tsx', TYPESCRIPT, ['tsx']);
register('go', GO, ['go']);
register('java', JAVA, ['java']);
register('rust', RUST, ['rs']);
register('ruby', RUBY, ['rb', 'rake']);
register('php', PHP, ['php']);
register('c-sharp', CSHARP, ['cs']);
// There is no C grammar in the package; C is close enough to C++ for finding definitions.
register('cpp', CPP, ['c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh', 'hxx']);

/** The grammar and query for a path, by its extension; undefined when no grammar reads it. */
export function languageFor(path: string): LanguageSpec | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return BY_EXTENSION[path.slice(dot + 1).toLowerCase()];
}

// For files no grammar reads: a definition keyword after optional modifiers, at the start of a line.
const MODIFIER =
  '(?:(?:export|default|public|private|protected|internal|static|final|abstract|sealed|open|override|' +
  'virtual|async|local|pub(?:\\([\\w:]*\\))?|unsafe|extern|inline|data|suspend|partial|declare)\\s+)*';
const KEYWORDS: Record<SymbolKind, string> = {
  function: 'def defp function func fn fun sub proc procedure',
  class: 'class struct object',
  interface: 'interface trait protocol',
  enum: 'enum',
  module: 'module defmodule namespace',
  method: '',
  type: '',
};
const KEYWORD_KIND = new Map<string, SymbolKind>(
  Object.entries(KEYWORDS).flatMap(([kind, words]) =>
    words
      .split(' ')
      .filter(Boolean)
      .map((w): [string, SymbolKind] => [w, kind as SymbolKind]),
  ),
);
// The name must be followed by something code-like, so prose such as "class of problems" is no symbol.
const DEFINITION = new RegExp(
  `^[ \\t]*${MODIFIER}(${[...KEYWORD_KIND.keys()].join('|')})[ \\t]+` +
    '((?:[A-Za-z_$][\\w$]*[.:]{1,2})*[A-Za-z_$][\\w$]*[?!]?)(?![\\w$?!])\\s*(?:$|[({<\\[:=;,]|extends\\b|do\\b|where\\b)',
);

/** For files no grammar reads: definition keywords at the start of a line, each ending where the next begins. */
export function lineOutline(text: string): FileOutline {
  const lines = text.split('\n');
  const symbols: CodeSymbol[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = DEFINITION.exec(lines[i]!);
    if (!match) continue;
    const previous = symbols[symbols.length - 1];
    if (previous) previous.endLine = Math.max(previous.startLine, i);
    symbols.push(lineSymbol(KEYWORD_KIND.get(match[1]!)!, match[2]!, i + 1));
  }
  const last = symbols[symbols.length - 1];
  if (last) last.endLine = Math.max(last.startLine, lines.length - (text.endsWith('\n') ? 1 : 0));
  return { symbols, imports: [] };
}

/** `function M.helper` and `def self.name` are qualified: the last part is the name, the rest its parent. */
function lineSymbol(kind: SymbolKind, written: string, line: number): CodeSymbol {
  const parts = written.split(/[.:]+/);
  const name = parts.pop()!;
  const symbol: CodeSymbol = { name, kind, startLine: line, endLine: line };
  const parent = parts.join('.');
  if (parent !== '' && parent !== 'self') {
    symbol.parent = parent;
    if (kind === 'function') symbol.kind = 'method';
  }
  return symbol;
}
