" Vim filetype plugin for svc: comments, indentation, folding.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://,:#
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal iskeyword=@,48-57,_,-
setlocal foldmethod=syntax
setlocal foldlevel=99
if executable('svc')
  " `gq` over the whole file formats it with `svc fmt`.
  setlocal formatprg=svc\ fmt\ -
endif

let b:undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth<'
      \ . ' softtabstop< iskeyword< foldmethod< foldlevel< formatprg<'
