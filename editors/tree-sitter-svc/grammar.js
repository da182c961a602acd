/**
 * @file Tree-sitter grammar for svc, the language of ECS Fargate services
 * with Cloud Map discovery.
 *
 * It follows grammar/svc.pest rule by rule; editors/test parses every .svc
 * file of the repository with it so that the two cannot drift apart.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/;

module.exports = grammar({
  name: 'svc',

  extras: $ => [/[ \t\r\n\uFEFF]/, $.comment],

  word: $ => $.identifier,

  rules: {
    // file = { SOI ~ item* ~ EOI }
    source_file: $ => repeat($._item),

    // item = { use_decl | input_decl | preset_decl | decl }
    _item: $ => choice(
      $.use_declaration,
      $.input_declaration,
      $.preset_declaration,
      $.declaration,
    ),

    // use "common.svc"   use std.health
    use_declaration: $ => seq(
      'use',
      field('path', choice($.string, $.path)),
    ),

    // input vpc_id: string { description = "..." }
    input_declaration: $ => seq(
      'input',
      field('name', $.identifier),
      ':',
      field('type', $.type),
      optional(field('body', $.body)),
    ),

    // string, list(string)
    type: $ => seq(
      field('name', $.identifier),
      optional(seq('(', field('argument', $.type), ')')),
    ),

    // preset service web { ... }
    preset_declaration: $ => seq(
      'preset',
      field('kind', $.identifier),
      field('name', $.identifier),
      field('body', $.body),
    ),

    // namespace internal { ... }   environment prod { ... }
    // (`preset web { ... }` and `input x { ... }`, which are not a preset or
    // an input, are declarations of that kind for the compiler too: it
    // reports them as such.)
    declaration: $ => seq(
      field('kind', choice($.identifier, alias(choice('input', 'preset'), $.identifier))),
      field('name', $.identifier),
      field('body', $.body),
    ),

    // { entry ,? ... }
    body: $ => seq('{', repeat(seq($._entry, optional(','))), '}'),

    _entry: $ => choice($.attribute, $.block),

    // key = value
    attribute: $ => seq(
      field('key', choice($.identifier, $.string)),
      '=',
      field('value', $._value),
    ),

    // container app { ... }   health { ... }
    block: $ => seq(
      field('kind', $.identifier),
      optional(field('label', $.identifier)),
      field('body', $.body),
    ),

    _value: $ => choice(
      $.list,
      alias($.body, $.object),
      $.string,
      $.port,
      $.quantity,
      $.number,
      $.boolean,
      $.path,
    ),

    list: $ => seq(
      '[',
      optional(seq($._value, repeat(seq(',', $._value)), optional(','))),
      ']',
    ),

    // 80/tcp
    port: $ => seq(
      field('number', $.number),
      token.immediate('/'),
      field('protocol', alias(token.immediate(IDENT), $.protocol)),
    ),

    // 10s, 512MiB, 0.25vcpu
    quantity: $ => seq(
      field('number', $.number),
      field('unit', alias(token.immediate(/[A-Za-z]+/), $.unit)),
    ),

    number: _ => token(/-?[0-9][0-9_]*(\.[0-9][0-9_]*)?/),

    boolean: _ => choice('true', 'false'),

    // internal, multivalue, input.vpc_id, service_b.dns_name
    path: $ => seq(
      $.identifier,
      repeat(seq(token.immediate('.'), alias(token.immediate(IDENT), $.identifier))),
    ),

    string: $ => seq(
      '"',
      repeat(choice(
        alias(token.immediate(prec(1, /[^"\\\n$]+/)), $.string_content),
        alias(token.immediate(prec(1, '$')), $.string_content),
        $.interpolation,
        $.invalid_interpolation,
        $.escape_sequence,
        $.invalid_escape,
      )),
      token.immediate('"'),
    ),

    escape_sequence: _ => token.immediate(prec(2, seq(
      '\\',
      choice(/[ntr"\\$]/, /u\{[0-9A-Fa-f]{1,6}\}/),
    ))),

    // ${env}: one token, so that a `${` that does not start one can be an
    // invalid_interpolation instead of a syntax error.
    interpolation: _ => token.immediate(prec(3, /\$\{[A-Za-z_][A-Za-z0-9_-]*\}/)),

    // `${` not followed by a name and `}`: the compiler reports it
    // (svc::syntax::interpolation) but still parses the file.
    invalid_interpolation: _ => token.immediate(prec(2, '${')),

    // The compiler reports these (svc::syntax::escape) but still parses the
    // file, so they are not syntax errors here either.
    invalid_escape: _ => token.immediate(prec(1, /\\(.|\n)/)),

    identifier: _ => IDENT,

    comment: _ => token(choice(
      seq(choice('//', '#'), /[^\n]*/),
      seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/'),
    )),
  },
});
