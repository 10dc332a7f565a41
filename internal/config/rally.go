package config

// Rally is the [rally-image-testing] section: how candidate images are smoke tested.
type Rally struct {
	DeploymentUUID string
	TaskLocation   string
	LogDir         string
}

func readRally(r *reader, base string) Rally {
	return Rally{
		DeploymentUUID: r.str("DEPLOYMENT_UUID", ""),
		TaskLocation:   abs(base, r.str("TASK_LOCATION", "")),
		LogDir:         abs(base, r.str("LOG_DIR", "")),
	}
}
