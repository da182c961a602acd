" svc: ECS Fargate services with Cloud Map discovery (see editors/README.md)
autocmd BufRead,BufNewFile *.svc setfiletype svc
