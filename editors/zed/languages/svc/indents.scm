(body "}" @end) @indent
(object "}" @end) @indent
(list "]" @end) @indent
