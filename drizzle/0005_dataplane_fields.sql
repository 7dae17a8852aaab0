ALTER TABLE "projects" ADD COLUMN "cpu_architecture" text DEFAULT 'X86_64' NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "ingress" jsonb DEFAULT '{"visibility":"public"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "url" text;