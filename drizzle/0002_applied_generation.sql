ALTER TABLE "projects" ADD COLUMN "applied_generation" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- Projects already Ready were taken to Ready at the generation they observed.
UPDATE "projects" SET "applied_generation" = "observed_generation" WHERE "phase" = 'Ready';
