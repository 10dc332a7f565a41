# openrc file as rabbit2packer sourced it; read as data by packuilon
export OS_AUTH_URL=http://127.0.0.1:5000/v3
export OS_PROJECT_ID="6f1c8e2a"
export OS_USER_DOMAIN_NAME='Default'
export OS_USERNAME=packer
export OS_PASSWORD="s3cr\"et"
