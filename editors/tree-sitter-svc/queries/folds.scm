; Folds for svc: every body and list that spans lines.
[
  (body)
  (object)
  (list)
] @fold

(comment) @fold
