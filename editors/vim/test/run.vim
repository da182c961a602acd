" Tests of the Vim syntax file, run by editors/test:
"   SVC_VIM_ROOT=<repo> SVC_VIM_FILES=<list> SVC_VIM_OUT=<report> \
"     vim -Nu NONE -i NONE -es -S editors/vim/test/run.vim
" 1. Words of test/sample.svc get the expected syntax groups.
" 2. Every file listed in $SVC_VIM_FILES (the .svc files that parse) has the
"    filetype svc, no `Error` group (except invalid escapes and interpolations
"    in files that expect svc::syntax::escape or ::interpolation), and every
"    line starting with a name in
"    column 1 is seen as the start of a declaration (so no body region was
"    left open or closed too early; not checked for the deliberately messy
"    inputs under tests/cases/fmt/).
set nocompatible
let s:root = $SVC_VIM_ROOT
execute 'set runtimepath^=' . fnameescape(s:root . '/editors/vim')
filetype plugin on
syntax on
let s:failures = []
let s:checked = 0

function! s:group(lnum, col) abort
  return synIDattr(synID(a:lnum, a:col, 1), 'name')
endfunction

" [pattern, group of the first character of the match]
let s:expect = [
      \ ['^input', 'svcInput'],
      \ ['vpc_id:', 'svcInputName'],
      \ ['list(', 'svcType'],
      \ ['(string', 'svcType', 1],
      \ ['description', 'svcKey'],
      \ ['"VPC', 'svcString'],
      \ ['\\n', 'svcEscape'],
      \ ['\\q', 'svcEscapeError'],
      \ ['^service', 'svcDeclKind'],
      \ ['service_b {', 'svcDeclName'],
      \ ['replicas', 'svcKey'],
      \ ['= 2', 'svcOperator'],
      \ ['2$', 'svcNumber'],
      \ ['0.25vcpu', 'svcQuantityNumber'],
      \ ['vcpu', 'svcUnit'],
      \ ['MiB', 'svcUnit'],
      \ ['container app', 'svcBlockKind'],
      \ ['app {', 'svcLabel'],
      \ ['80/tcp', 'svcPortNumber'],
      \ ['tcp', 'svcProtocol'],
      \ ['true', 'svcBoolean'],
      \ ['internal$', 'svcRef'],
      \ ['\[A\]', 'svcEnum', 1],
      \ ['input\.vpc_id', 'svcInputRef'],
      \ ['\.vpc_id', 'svcMember', 1],
      \ ['service_a\.', 'svcRef'],
      \ ['dns_name', 'svcMember'],
      \ ['-1\.5', 'svcFloat'],
      \ ['widget', 'svcBlockKind'],
      \ ['^// A sample', 'svcComment'],
      \ ['^use "', 'svcUse'],
      \ ['"common', 'svcString', 1],
      \ ['^use std', 'svcUse'],
      \ ['std\.', 'svcModule'],
      \ ['\.health', 'svcModule', 1],
      \ ['^preset', 'svcPreset'],
      \ ['health http', 'svcPresetKind'],
      \ ['http {', 'svcPresetName'],
      \ ['params', 'svcBlockKind'],
      \ ['${port', 'svcInterpolation'],
      \ ['port}', 'svcInterpolationName'],
      \ ['}${path', 'svcInterpolation'],
      \ ['\\${', 'svcEscape'],
      \ ['{y}', 'svcString'],
      \ ['${1}"', 'svcInterpolationError'],
      \ ['^environment', 'svcDeclKind'],
      \ ['prod {', 'svcDeclName'],
      \ ['from =', 'svcFrom'],
      \ ]

execute 'silent edit ' . fnameescape(s:root . '/editors/vim/test/sample.svc')
for s:e in s:expect
  call cursor(1, 1)
  let s:pos = searchpos(s:e[0], 'cW')
  if s:pos == [0, 0]
    call add(s:failures, 'sample.svc: pattern not found: ' . s:e[0])
    continue
  endif
  let s:col = s:pos[1] + get(s:e, 2, 0)
  let s:got = s:group(s:pos[0], s:col)
  if s:got !=# s:e[1]
    call add(s:failures, printf('sample.svc:%d:%d: %s is %s, expected %s',
          \ s:pos[0], s:col, s:e[0], s:got, s:e[1]))
  endif
endfor
let s:assertions = len(s:expect)

for s:file in readfile($SVC_VIM_FILES)
  execute 'silent edit ' . fnameescape(s:file)
  let s:checked += 1
  if &filetype !=# 'svc'
    call add(s:failures, s:file . ': filetype is "' . &filetype . '"')
    continue
  endif
  let s:allow = []
  for s:code in ['Escape', 'Interpolation']
    if search('^// expect:.*\<svc::syntax::' . tolower(s:code) . '\>', 'nw') > 0
      call add(s:allow, 'svc' . s:code . 'Error')
    endif
  endfor
  for s:lnum in range(1, line('$'))
    let s:line = getline(s:lnum)
    for s:col in range(1, len(s:line))
      let s:name = s:group(s:lnum, s:col)
      if s:name =~# 'Error' && index(s:allow, s:name) < 0
        call add(s:failures, printf('%s:%d:%d: %s', s:file, s:lnum, s:col, s:name))
        break
      endif
    endfor
    " (the messy inputs of the formatter tests are not laid out)
    if s:line =~# '^\h' && s:file !~# 'tests/cases/fmt/'
      let s:stack = map(synstack(s:lnum, 1), 'synIDattr(v:val, "name")')
      if index(s:stack, 'svcComment') < 0 && s:group(s:lnum, 1) !~# '^\(svcInput\|svcUse\|svcPreset\|svcDeclKind\)$'
        call add(s:failures, printf('%s:%d: a declaration is seen as %s',
              \ s:file, s:lnum, join(s:stack, ' > ')))
      endif
    endif
  endfor
  bwipeout!
endfor

call add(s:failures, printf('vim: %d assertion(s) on sample.svc, %d file(s) scanned',
      \ s:assertions, s:checked))
call writefile(s:failures, $SVC_VIM_OUT)
if len(s:failures) > 1
  cquit!
endif
qall!
