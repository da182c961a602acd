; Highlights for svc (Neovim, Zed and `tree-sitter highlight` capture names).
; Later patterns win in Zed and `tree-sitter highlight`; Neovim uses the
; priority of the last match, so the specific patterns come last.

(comment) @comment @spell

; ----- declarations ---------------------------------------------------------

"input" @keyword

; use std.health   use "common.svc"
"use" @keyword.import

; preset health http { ... }
"preset" @keyword

(preset_declaration
  kind: (identifier) @type)

(preset_declaration
  name: (identifier) @type.definition)

; namespace, cluster, service, environment, ...
(declaration
  kind: (identifier) @keyword)

(declaration
  name: (identifier) @type.definition)

(input_declaration
  name: (identifier) @variable.parameter)

(type
  name: (identifier) @type.builtin)

; ----- blocks and attributes ------------------------------------------------

(block
  kind: (identifier) @type)

((block
  kind: (identifier) @keyword.type)
  (#any-of? @keyword.type
    "container" "health" "logs" "network" "discovery" "env" "tags" "size"
    "secrets" "health_check" "storage" "params" "inputs"))

(block
  label: (identifier) @label)

(attribute
  key: (identifier) @property)

(attribute
  key: (string) @property)

; `from = http`: the preset a block starts from.
((attribute
  key: (identifier) @keyword)
  (#eq? @keyword "from"))

; ----- values ---------------------------------------------------------------

(string) @string

(escape_sequence) @string.escape

(invalid_escape) @error

; "${env}.shop.local"
(interpolation) @string.special

(invalid_interpolation) @error

(number) @number

((number) @number.float
  (#match? @number.float "\\."))

(quantity
  unit: (unit) @type.builtin)

(port
  protocol: (protocol) @constant.builtin)

(boolean) @boolean

; A bare word is a reference to a declaration (`internal`)...
(path
  (identifier) @variable)

; ...or, for the words the checker knows, an enum value.
((path
  . (identifier) @constant.builtin .)
  (#any-of? @constant.builtin
    "multivalue" "weighted" "fargate" "A" "AAAA" "SRV" "CNAME" "tcp" "udp"
    "custom" "none" "never" "nat" "vpc_endpoints"))

; `service_b.dns_name`: the part after the dot is a member.
(path
  (identifier)
  (identifier) @variable.member)

; `input.vpc_id`
((path
  . (identifier) @variable.builtin)
  (#eq? @variable.builtin "input"))

; ----- use -----------------------------------------------------------------

; After the values: the module of `use std.health` is not a reference.
(use_declaration
  path: (path
    (identifier) @module))

(use_declaration
  path: (string) @string.special.path)

; ----- punctuation ----------------------------------------------------------

"=" @operator

[":" "," "/" "."] @punctuation.delimiter

["{" "}" "[" "]" "(" ")"] @punctuation.bracket
