; Highlights for svc in Helix. Helix uses the FIRST pattern that matches a
; node, so the specific patterns come before the general ones (the opposite
; of queries/highlights.scm in tree-sitter-svc, which uses Neovim's names).

(comment) @comment

"input" @keyword
"preset" @keyword
"use" @keyword.control.import
(use_declaration path: (path (identifier) @namespace))
(use_declaration path: (string) @string.special.path)

(preset_declaration kind: (identifier) @type)
(preset_declaration name: (identifier) @type)
(declaration kind: (identifier) @keyword)
(declaration name: (identifier) @type)
(input_declaration name: (identifier) @variable.parameter)
(type name: (identifier) @type.builtin)

((block kind: (identifier) @keyword.storage.type)
  (#any-of? @keyword.storage.type
    "container" "health" "logs" "network" "discovery" "env" "tags" "size"
    "secrets" "health_check" "storage" "params" "inputs"))
(block kind: (identifier) @type)
(block label: (identifier) @label)

((attribute key: (identifier) @keyword) (#eq? @keyword "from"))
(attribute key: (_) @variable.other.member)

(escape_sequence) @constant.character.escape
(invalid_escape) @error
(interpolation) @string.special
(invalid_interpolation) @error
(string) @string

(quantity unit: (unit) @type.builtin)
((number) @constant.numeric.float (#match? @constant.numeric.float "\\."))
(number) @constant.numeric.integer
(port protocol: (protocol) @constant.builtin)
(boolean) @constant.builtin.boolean

((path . (identifier) @variable.builtin)
  (#eq? @variable.builtin "input"))
((path . (identifier) @constant.builtin .)
  (#any-of? @constant.builtin
    "multivalue" "weighted" "fargate" "A" "AAAA" "SRV" "CNAME" "tcp" "udp"
    "custom" "none" "never" "nat" "vpc_endpoints"))
(path (identifier) (identifier) @variable.other.member)
(path (identifier) @variable)

"=" @operator
[":" "," "/" "."] @punctuation.delimiter
["{" "}" "[" "]" "(" ")"] @punctuation.bracket
