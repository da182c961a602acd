; Scopes and definitions for svc: declarations are visible in the whole file,
; so a reference such as `namespace = internal` or `service_b.dns_name`
; resolves to the top-level declaration (or preset) of that name.

(source_file) @local.scope

(declaration
  name: (identifier) @local.definition.type)

; preset size small { ... }, used as `size = small` or `from = small`
(preset_declaration
  name: (identifier) @local.definition.type)

(input_declaration
  name: (identifier) @local.definition.parameter)

(path
  . (identifier) @local.reference)
