[
  (body)
  (object)
  (list)
] @indent

[
  "}"
  "]"
] @outdent
