" Vim syntax file
" Language: svc (ECS Fargate services with Cloud Map discovery)
" Grammar:  grammar/svc.pest; editors/test checks this file against every
"           .svc file of the repository.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn sync fromstart

" ----- comments and strings (everywhere) ------------------------------------
syn keyword svcTodo contained TODO FIXME XXX NOTE
syn match   svcComment "//.*$" contains=svcTodo,@Spell
syn match   svcComment "#.*$" contains=svcTodo,@Spell
syn region  svcComment start="/\*" end="\*/" contains=svcTodo,@Spell fold

syn region  svcString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=svcEscapeError,svcEscape,svcInterpolationError,svcInterpolation
" Unknown escapes first: the valid ones defined after them win.
syn match   svcEscapeError +\\.+ contained
syn match   svcEscape +\\[ntr"\\$]+ contained
syn match   svcEscape +\\u{\x\{1,6}}+ contained
" "${env}.shop.local"; a `${` that starts no interpolation is an error
" (svc::syntax::interpolation), `\${` is the text `${`.
syn match   svcInterpolationError +\${+ contained
syn match   svcInterpolation +\${\h[A-Za-z0-9_-]*}+ contained contains=svcInterpolationName
syn match   svcInterpolationName +\h[A-Za-z0-9_-]*+ contained

" ----- top level ------------------------------------------------------------
" input vpc_id: list(string) { ... }
syn keyword svcInput input nextgroup=svcInputName skipwhite skipnl
syn match   svcInputName "\h[A-Za-z0-9_-]*" contained nextgroup=svcTypeSep skipwhite skipnl
syn match   svcTypeSep ":" contained nextgroup=svcType skipwhite skipnl
syn match   svcType "\<\(string\|number\|bool\|list\)\>"

" use "common.svc"   use std.health
syn keyword svcUse use nextgroup=svcModule skipwhite skipnl
syn match   svcModule "\h[A-Za-z0-9_-]*\(\.\h[A-Za-z0-9_-]*\)*" contained

" preset service web { ... }
syn keyword svcPreset preset nextgroup=svcPresetKind skipwhite skipnl
syn match   svcPresetKind "\h[A-Za-z0-9_-]*" contained nextgroup=svcPresetName skipwhite skipnl
syn match   svcPresetName "\h[A-Za-z0-9_-]*" contained

" namespace internal { ... }  environment prod { ... }  service web { ... }  (any kind: the checker
" reports unknown ones)
syn match   svcDeclKind "^\s*\zs\h[A-Za-z0-9_-]*\ze\s\+\h[A-Za-z0-9_-]*\s*\({\|$\)" nextgroup=svcDeclName skipwhite
syn match   svcDeclName "\h[A-Za-z0-9_-]*" contained

" ----- bodies ---------------------------------------------------------------
syn cluster svcValue contains=svcComment,svcString,svcList,svcObject,svcPort,svcQuantity,svcNumber,svcFloat,svcBoolean,svcRef,svcInputRef,svcMember,svcEnum,svcComma

syn region  svcBody matchgroup=svcBrace start="{" end="}" contains=svcKey,svcFrom,svcBlockKind,svcOperator,@svcValue fold
syn region  svcObject matchgroup=svcBrace start="{" end="}" contained contains=svcKey,svcFrom,svcBlockKind,svcOperator,@svcValue fold
syn region  svcList matchgroup=svcBracket start="\[" end="\]" contained contains=@svcValue fold

" values
syn match   svcRef "\(\h\|[0-9_.-]\)\@<!\h[A-Za-z0-9_-]*" contained
syn match   svcMember "\.\zs\h[A-Za-z0-9_-]*" contained
syn match   svcInputRef "\(\h\|[0-9_.-]\)\@<!input\ze\." contained
syn match   svcEnum "\(\h\|[0-9_.-]\)\@<!\(multivalue\|weighted\|fargate\|A\|AAAA\|SRV\|CNAME\|tcp\|udp\|custom\|none\|never\|nat\|vpc_endpoints\)\([A-Za-z0-9_.-]\)\@!" contained
syn match   svcBoolean "\(\h\|[0-9_.-]\)\@<!\(true\|false\)\([A-Za-z0-9_-]\)\@!" contained
syn match   svcNumber "\(\h\|[0-9_.-]\)\@<!-\=\d[0-9_]*" contained
syn match   svcFloat "\(\h\|[0-9_.-]\)\@<!-\=\d[0-9_]*\.\d[0-9_]*" contained
syn match   svcQuantity "\(\h\|[0-9_.-]\)\@<!-\=\d[0-9_]*\(\.\d[0-9_]*\)\=\a\+" contained contains=svcQuantityNumber,svcUnit
syn match   svcQuantityNumber "-\=\d[0-9_]*\(\.\d[0-9_]*\)\=" contained
syn match   svcUnit "\a\+" contained
syn match   svcPort "\(\h\|[0-9_.-]\)\@<!\d[0-9_]*/\h[A-Za-z0-9_-]*" contained contains=svcPortNumber,svcProtocol
syn match   svcPortNumber "\d[0-9_]*" contained
syn match   svcProtocol "/\zs\h[A-Za-z0-9_-]*" contained

" Keys and block heads are defined after the values so that they win.
" key = ...   "quoted key" = ...
syn match   svcKey "\h[A-Za-z0-9_-]*\ze\s*=" contained
" from = http: the preset a block starts from
syn match   svcFrom "\(\h\|[0-9_.-]\)\@<!from\ze\s*=" contained
syn match   svcOperator "=" contained
syn match   svcComma "," contained

" container app {   health {
syn match   svcBlockKind "\h[A-Za-z0-9_-]*\ze\(\s\+\h[A-Za-z0-9_-]*\)\=\s*{" contained nextgroup=svcLabel skipwhite
syn match   svcBlockKind "\<\(container\|health\|logs\|network\|discovery\|env\|tags\|size\|secrets\|health_check\|storage\|params\|inputs\)\ze\(\s\+\h[A-Za-z0-9_-]*\)\=\s*{" contained nextgroup=svcLabel skipwhite
syn match   svcLabel "\h[A-Za-z0-9_-]*\ze\s*{" contained

" ----- colours --------------------------------------------------------------
hi def link svcTodo           Todo
hi def link svcComment        Comment
hi def link svcString         String
hi def link svcEscape         SpecialChar
hi def link svcEscapeError    Error
hi def link svcInterpolation  Special
hi def link svcInterpolationName Identifier
hi def link svcInterpolationError Error
hi def link svcInput          Keyword
hi def link svcUse            Include
hi def link svcModule         Constant
hi def link svcPreset         Keyword
hi def link svcPresetKind     Type
hi def link svcPresetName     Type
hi def link svcFrom           Keyword
hi def link svcDeclKind       Keyword
hi def link svcDeclName       Type
hi def link svcInputName      Identifier
hi def link svcTypeSep        Delimiter
hi def link svcType           Type
hi def link svcBrace          Delimiter
hi def link svcBracket        Delimiter
hi def link svcComma          Delimiter
hi def link svcOperator       Operator
hi def link svcKey            Identifier
hi def link svcBlockKind      Structure
hi def link svcLabel          Label
hi def link svcRef            Identifier
hi def link svcMember         Identifier
hi def link svcInputRef       Special
hi def link svcEnum           Constant
hi def link svcBoolean        Boolean
hi def link svcNumber         Number
hi def link svcFloat          Float
hi def link svcQuantityNumber Number
hi def link svcPortNumber     Number
hi def link svcUnit           Special
hi def link svcProtocol       Constant

let b:current_syntax = 'svc'

let &cpo = s:cpo_save
unlet s:cpo_save
