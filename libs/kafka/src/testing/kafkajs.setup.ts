// The integration project's second pass over libs/kafka: every spec again on the driver that is not the default.
process.env.KAFKA_DRIVER = 'kafkajs';
