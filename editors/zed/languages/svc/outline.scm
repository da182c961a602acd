(declaration
  kind: (identifier) @context
  name: (identifier) @name) @item

(preset_declaration
  "preset" @context
  kind: (identifier) @context
  name: (identifier) @name) @item

(input_declaration
  "input" @context
  name: (identifier) @name) @item

(block
  kind: (identifier) @name
  label: (identifier)? @name) @item
