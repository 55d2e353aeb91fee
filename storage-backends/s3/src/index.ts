export { S3Storage, createS3Storage, s3StorageOptions, s3StorageBackend, s3StorageBackend as backend, s3StorageBackend as default, type S3StorageOptions } from "./s3.storage.js";
