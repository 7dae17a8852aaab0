CREATE TABLE "account_bindings" (
	"account_id" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"external_id" text NOT NULL,
	"default_region" text,
	"default_role_arn" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "projects_name_key";--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "tenant_id" uuid;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "created_by" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "changes" ADD COLUMN "tenant_id" uuid;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "tenant_id" uuid;--> statement-breakpoint
-- Every existing project goes into the "default" tenant. Its external ID is the one those projects already
-- send (the one their roles trust), so nothing stops working; a database with no projects gets its
-- default tenant at first start instead (store/tenants.ts ensureDefaultTenant: in sandbox mode the
-- sandbox's trusted ID, else generated). Existing api_tokens rows keep tenant_id NULL: admin keys.
INSERT INTO "tenants" ("name", "external_id")
  SELECT 'default', (SELECT "external_id" FROM "projects" GROUP BY "external_id" ORDER BY count(*) DESC, "external_id" LIMIT 1)
  WHERE EXISTS (SELECT 1 FROM "projects");--> statement-breakpoint
UPDATE "projects" SET "tenant_id" = (SELECT "id" FROM "tenants" WHERE "name" = 'default');--> statement-breakpoint
ALTER TABLE "projects" ALTER COLUMN "tenant_id" SET NOT NULL;--> statement-breakpoint
INSERT INTO "account_bindings" ("account_id", "tenant_id") SELECT DISTINCT "account_id", "tenant_id" FROM "projects";--> statement-breakpoint
UPDATE "changes" c SET "tenant_id" = p."tenant_id" FROM "projects" p WHERE p."id" = c."project_id";--> statement-breakpoint
-- The watch feed records whose change it is (a "deleted" change is recorded before its row goes).
CREATE OR REPLACE FUNCTION byoc_record_change(p_project uuid, p_name text, p_kind text, p_event bigint) RETURNS void AS $$
DECLARE new_id bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1652125795);
  INSERT INTO changes (project_id, project_name, tenant_id, kind, event_id)
    VALUES (p_project, p_name, (SELECT tenant_id FROM projects WHERE id = p_project), p_kind, p_event) RETURNING id INTO new_id;
  PERFORM pg_notify('byoc_changes', new_id::text);
END;
$$ LANGUAGE plpgsql;--> statement-breakpoint
ALTER TABLE "account_bindings" ADD CONSTRAINT "account_bindings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_name_key" ON "tenants" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_external_id_key" ON "tenants" USING btree ("external_id");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_tenant_idx" ON "api_tokens" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_tenant_name_key" ON "projects" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE INDEX "projects_name_idx" ON "projects" USING btree ("name");