export { S3Storage, createS3Storage, s3StorageOptions, type S3StorageOptions } from "./s3.storage.js";
