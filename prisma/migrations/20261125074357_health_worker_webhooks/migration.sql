-- CreateEnum
CREATE TYPE "HealthCheckKind" AS ENUM ('tcp', 'http', 'https');

-- CreateEnum
CREATE TYPE "HealthCheckRunFrom" AS ENUM ('director', 'panel');

-- CreateEnum
CREATE TYPE "HealthFailAction" AS ENUM ('quiesce', 'remove');

-- CreateEnum
CREATE TYPE "HealthStatus" AS ENUM ('unknown', 'up', 'down');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "HealthCheck" (
    "id" TEXT NOT NULL,
    "virtualServiceId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "kind" "HealthCheckKind" NOT NULL DEFAULT 'tcp',
    "port" INTEGER,
    "path" TEXT NOT NULL DEFAULT '/',
    "hostHeader" TEXT,
    "expectStatus" TEXT NOT NULL DEFAULT '200-399',
    "bodyContains" TEXT,
    "intervalMs" INTEGER NOT NULL DEFAULT 5000,
    "timeoutMs" INTEGER NOT NULL DEFAULT 2000,
    "rise" INTEGER NOT NULL DEFAULT 2,
    "fall" INTEGER NOT NULL DEFAULT 3,
    "runFrom" "HealthCheckRunFrom" NOT NULL DEFAULT 'director',
    "onFail" "HealthFailAction" NOT NULL DEFAULT 'quiesce',
    "quorum" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HealthCheck_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthCheckOverride" (
    "id" TEXT NOT NULL,
    "realServerId" TEXT NOT NULL,
    "enabled" BOOLEAN,
    "kind" "HealthCheckKind",
    "port" INTEGER,
    "path" TEXT,
    "hostHeader" TEXT,
    "expectStatus" TEXT,
    "bodyContains" TEXT,
    "timeoutMs" INTEGER,
    "rise" INTEGER,
    "fall" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HealthCheckOverride_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HealthState" (
    "realServerId" TEXT NOT NULL,
    "status" "HealthStatus" NOT NULL DEFAULT 'unknown',
    "successes" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lastOk" BOOLEAN,
    "lastLatencyMs" INTEGER,
    "lastMessage" TEXT NOT NULL DEFAULT '',
    "lastCheckedAt" TIMESTAMP(3),
    "changedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HealthState_pkey" PRIMARY KEY ("realServerId")
);

-- CreateTable
CREATE TABLE "HealthEvent" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "virtualServiceId" TEXT,
    "realServerId" TEXT,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "applyRunId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HealthEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HostStatus" (
    "hostId" TEXT NOT NULL,
    "reachable" BOOLEAN NOT NULL,
    "error" TEXT,
    "latencyMs" INTEGER,
    "checkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostStatus_pkey" PRIMARY KEY ("hostId")
);

-- CreateTable
CREATE TABLE "CounterSample" (
    "id" BIGSERIAL NOT NULL,
    "clusterId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "service" TEXT NOT NULL,
    "destination" TEXT NOT NULL DEFAULT '',
    "weight" INTEGER,
    "activeConns" BIGINT NOT NULL DEFAULT 0,
    "inactConns" BIGINT NOT NULL DEFAULT 0,
    "conns" BIGINT NOT NULL DEFAULT 0,
    "inPkts" BIGINT NOT NULL DEFAULT 0,
    "outPkts" BIGINT NOT NULL DEFAULT 0,
    "inBytes" BIGINT NOT NULL DEFAULT 0,
    "outBytes" BIGINT NOT NULL DEFAULT 0,
    "cps" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "inPps" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "outPps" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "inBps" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "outBps" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "CounterSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT,
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HealthCheck_virtualServiceId_key" ON "HealthCheck"("virtualServiceId");

-- CreateIndex
CREATE UNIQUE INDEX "HealthCheckOverride_realServerId_key" ON "HealthCheckOverride"("realServerId");

-- CreateIndex
CREATE INDEX "HealthEvent_clusterId_createdAt_idx" ON "HealthEvent"("clusterId", "createdAt");

-- CreateIndex
CREATE INDEX "CounterSample_clusterId_at_idx" ON "CounterSample"("clusterId", "at");

-- CreateIndex
CREATE INDEX "CounterSample_at_idx" ON "CounterSample"("at");

-- CreateIndex
CREATE UNIQUE INDEX "Webhook_name_key" ON "Webhook"("name");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_createdAt_idx" ON "WebhookDelivery"("webhookId", "createdAt");

-- AddForeignKey
ALTER TABLE "HealthCheck" ADD CONSTRAINT "HealthCheck_virtualServiceId_fkey" FOREIGN KEY ("virtualServiceId") REFERENCES "VirtualService"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthCheckOverride" ADD CONSTRAINT "HealthCheckOverride_realServerId_fkey" FOREIGN KEY ("realServerId") REFERENCES "RealServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthState" ADD CONSTRAINT "HealthState_realServerId_fkey" FOREIGN KEY ("realServerId") REFERENCES "RealServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;
