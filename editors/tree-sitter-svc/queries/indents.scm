; Indentation for svc (nvim-treesitter and Helix-style captures).
[
  (body)
  (object)
  (list)
] @indent.begin

[
  "}"
  "]"
] @indent.branch @indent.end
