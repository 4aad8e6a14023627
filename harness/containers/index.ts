export {
  PACELINE_IMAGE,
  PacelineContainer,
  RedisLimiterContainer,
  StartedPacelineContainer,
  StartedRedisLimiterContainer,
} from "./paceline-container.js";
