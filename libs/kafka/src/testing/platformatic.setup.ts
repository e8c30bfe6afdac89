// The integration project's second pass over libs/kafka: every spec again on the other driver.
process.env.KAFKA_DRIVER = 'platformatic';
