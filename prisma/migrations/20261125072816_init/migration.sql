-- CreateEnum
CREATE TYPE "Role" AS ENUM ('admin', 'operator', 'viewer');

-- CreateEnum
CREATE TYPE "HostRole" AS ENUM ('director', 'real_server');

-- CreateEnum
CREATE TYPE "Protocol" AS ENUM ('tcp', 'udp', 'sctp', 'fwmark');

-- CreateEnum
CREATE TYPE "ForwardingMethod" AS ENUM ('route', 'masq', 'tunnel');

-- CreateEnum
CREATE TYPE "RealServerState" AS ENUM ('active', 'draining', 'disabled');

-- CreateEnum
CREATE TYPE "ApplyOutcome" AS ENUM ('planned', 'running', 'succeeded', 'failed', 'verify_failed');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'skipped');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cluster" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "defaultForwardingMethod" "ForwardingMethod" NOT NULL DEFAULT 'route',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SshKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "privateKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SshKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "sshPort" INTEGER NOT NULL DEFAULT 22,
    "sshUser" TEXT NOT NULL DEFAULT 'root',
    "sshKeyId" TEXT,
    "hostKeyFingerprint" TEXT,
    "hostKeyAlgorithm" TEXT,
    "role" "HostRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualService" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "protocol" "Protocol" NOT NULL,
    "address" TEXT,
    "port" INTEGER,
    "fwmark" INTEGER,
    "family" TEXT NOT NULL DEFAULT 'inet',
    "scheduler" TEXT NOT NULL DEFAULT 'wlc',
    "schedulerFlags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "persistenceTimeout" INTEGER,
    "persistenceNetmask" TEXT,
    "onePacket" BOOLEAN NOT NULL DEFAULT false,
    "persistenceEngine" TEXT,
    "sorryAddress" TEXT,
    "sorryPort" INTEGER,
    "description" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VirtualService_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RealServer" (
    "id" TEXT NOT NULL,
    "virtualServiceId" TEXT NOT NULL,
    "hostId" TEXT,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 1,
    "forwardingMethod" "ForwardingMethod" NOT NULL DEFAULT 'route',
    "upperThreshold" INTEGER NOT NULL DEFAULT 0,
    "lowerThreshold" INTEGER NOT NULL DEFAULT 0,
    "state" "RealServerState" NOT NULL DEFAULT 'active',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RealServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApplyRun" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "userId" TEXT,
    "actor" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "outcome" "ApplyOutcome" NOT NULL DEFAULT 'planned',
    "error" TEXT,
    "verification" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ApplyRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApplyStep" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "command" TEXT NOT NULL,
    "disruptive" BOOLEAN NOT NULL DEFAULT false,
    "status" "StepStatus" NOT NULL DEFAULT 'pending',
    "exitCode" INTEGER,
    "stdout" TEXT NOT NULL DEFAULT '',
    "stderr" TEXT NOT NULL DEFAULT '',
    "durationMs" INTEGER,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ApplyStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginAttempt" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "LoginAttempt_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_key" ON "Cluster"("name");

-- CreateIndex
CREATE UNIQUE INDEX "SshKey_name_key" ON "SshKey"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Host_clusterId_name_key" ON "Host"("clusterId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Host_clusterId_address_sshPort_key" ON "Host"("clusterId", "address", "sshPort");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualService_clusterId_protocol_address_port_key" ON "VirtualService"("clusterId", "protocol", "address", "port");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualService_clusterId_fwmark_family_key" ON "VirtualService"("clusterId", "fwmark", "family");

-- CreateIndex
CREATE UNIQUE INDEX "RealServer_virtualServiceId_address_port_key" ON "RealServer"("virtualServiceId", "address", "port");

-- CreateIndex
CREATE INDEX "ApplyRun_clusterId_startedAt_idx" ON "ApplyRun"("clusterId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApplyStep_runId_position_key" ON "ApplyStep"("runId", "position");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Host" ADD CONSTRAINT "Host_sshKeyId_fkey" FOREIGN KEY ("sshKeyId") REFERENCES "SshKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualService" ADD CONSTRAINT "VirtualService_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RealServer" ADD CONSTRAINT "RealServer_virtualServiceId_fkey" FOREIGN KEY ("virtualServiceId") REFERENCES "VirtualService"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RealServer" ADD CONSTRAINT "RealServer_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplyRun" ADD CONSTRAINT "ApplyRun_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplyRun" ADD CONSTRAINT "ApplyRun_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplyStep" ADD CONSTRAINT "ApplyStep_runId_fkey" FOREIGN KEY ("runId") REFERENCES "ApplyRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplyStep" ADD CONSTRAINT "ApplyStep_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;
